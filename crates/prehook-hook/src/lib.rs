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
//! - [`aws`]: the AWS calls, as traits implemented for the SDK clients;
//! - [`config`]: where the checks config comes from; [`log`]: the JSON log lines.

pub mod aws;
pub mod config;
pub mod engine;
pub mod error;
pub mod handler;
pub mod lifecycle;
pub mod log;
pub mod skip;
pub mod verdict;

pub use aws::{CodeDeployApi, LambdaApi};
pub use error::Error;
pub use handler::{Hook, Settings};
pub use verdict::{Status, Verdict};

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The `Instant` of a Lambda deadline given in milliseconds since the Unix epoch.
pub fn deadline_instant(deadline_epoch_ms: u64) -> Instant {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    Instant::now() + Duration::from_millis(deadline_epoch_ms.saturating_sub(now_ms))
}
