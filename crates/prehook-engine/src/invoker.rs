//! The one call the engine makes: invoke a function version with a payload.

use std::future::Future;
use std::time::Duration;

/// One Invoke of a function version.
#[derive(Debug, Clone)]
pub struct InvokeRequest {
    pub function: String,
    /// A published version or an alias in the hook; `$LATEST` under serverless-offline.
    pub qualifier: String,
    pub payload: Vec<u8>,
    /// Base64 JSON `ClientContext`.
    pub client_context: Option<String>,
    /// How long the engine waits for this attempt; an invoker may abort its call after it.
    pub timeout: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeResponse {
    pub function_error: Option<String>,
    pub payload: Vec<u8>,
}

/// Performs invokes: the Rust SDK in the hook, the plugin's JS SDK in `prehook check`.
///
/// The engine bounds every call with the check's timeout and drops the future when it expires.
pub trait Invoker: Sync {
    /// Why an invoke failed, as the reason a check shows (`invoke failed: {error}`).
    type Error: std::fmt::Display;

    fn invoke(
        &self,
        request: InvokeRequest,
    ) -> impl Future<Output = Result<InvokeResponse, Self::Error>> + Send;
}
