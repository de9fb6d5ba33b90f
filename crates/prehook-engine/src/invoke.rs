//! The one call a run of checks needs its driver to make: invoke a function version.

use std::time::Duration;

/// One Invoke of a function version, as the engine asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeRequest {
    pub function: String,
    /// A published version or an alias in the hook; `$LATEST` under serverless-offline.
    pub qualifier: String,
    pub payload: Vec<u8>,
    /// Base64 JSON `ClientContext` (raw checks).
    pub client_context: Option<String>,
    /// How long the engine waits for this attempt; the driver may abort its call after it.
    pub timeout: Duration,
}

/// What an Invoke answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeResponse {
    /// Lambda's `FunctionError` (`Unhandled`, `Handled`), if any.
    pub function_error: Option<String>,
    pub payload: Vec<u8>,
}
