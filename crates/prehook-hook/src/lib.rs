//! The CodeDeploy BeforeAllowTraffic (and AfterAllowTraffic) hook of serverless-prehook, as a library: `main.rs` only
//! wires it to the Lambda runtime and the SDK clients.
//!
//! - [`handler`]: one hook invocation, from the CodeDeploy event to the reported status;
//! - [`lifecycle`]: the lifecycle event this function serves (its `PREHOOK_LIFECYCLE_EVENT`), and
//!   the check that the AppSpec names it as that event's hook;
//! - [`verdict`]: what an invocation decides and reports; [`error`]: why it could not;
//! - [`skip`]: checks skipped on purpose;
//! - [`engine`]: the driver here of prehook-engine (the state machine that plans and decides a
//!   run of checks): invokes through [`LambdaApi`] on tokio, each attempt logged;
//! - [`secrets`]: the SSM parameters and Secrets Manager secrets the checks reference, read
//!   before they start;
//! - [`aws`]: the AWS calls, as traits implemented for the SDK clients; [`https`]: the one
//!   HTTPS stack they and the custom resource's upload use;
//! - [`config`]: where the checks config comes from; [`log`]: the JSON log lines;
//! - [`first_deploy`]: the gate CloudFormation asks before it creates an alias (a custom
//!   resource), [`custom_resource`]: how the hook reads its requests and sends its answers.

pub mod aws;
pub mod config;
pub mod custom_resource;
pub mod engine;
pub mod error;
pub mod first_deploy;
pub mod handler;
pub mod https;
pub mod lifecycle;
pub mod log;
pub mod secrets;
pub mod skip;
pub mod verdict;

pub use aws::{CodeDeployApi, LambdaApi};
pub use error::Error;
pub use first_deploy::AliasApi;
pub use handler::{Hook, Settings};
pub use secrets::{SdkSecrets, SecretsApi};
pub use verdict::{Status, Verdict};

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The `Instant` of a Lambda deadline given in milliseconds since the Unix epoch.
pub fn deadline_instant(deadline_epoch_ms: u64) -> Instant {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    Instant::now() + Duration::from_millis(deadline_epoch_ms.saturating_sub(now_ms))
}
