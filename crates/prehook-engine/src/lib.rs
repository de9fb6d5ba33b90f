//! The check engine of serverless-prehook: plans a run of checks and decides it, without I/O.
//!
//! The hook Lambda (crates/prehook-hook: tokio and the Rust SDK) and the plugin's
//! `serverless prehook check` command (crates/prehook-node: JS promises and the JS SDK) both
//! drive a [`CheckRun`], so the command's verdict is the hook's verdict:
//! - [`plan`]: which checks of which function versions, in which order;
//! - [`run`]: the state machine: what to invoke when, per-attempt timeouts, retries with
//!   backoff, concurrency bounds, the cutoff, evaluation and the verdict;
//! - [`invoke`]: the one call a driver makes for it;
//! - [`select`]: which functions and version `prehook check` runs against;
//! - [`error`]: why a run cannot be planned, or a secret of its checks could not be read.
//!
//! No AWS SDK, no napi, no async runtime and no clock: the driver passes the time in
//! (`now`, a [`std::time::Duration`] since the run's start).

pub mod error;
pub mod invoke;
pub mod plan;
pub mod run;
pub mod select;

pub use error::Error;
pub use invoke::{InvokeRequest, InvokeResponse};
pub use plan::{PlannedCheck, Target, plan_checks};
pub use run::{
    Action, AttemptId, AttemptRecord, Backoff, CheckResult, CheckRun, Concurrency,
    DEFAULT_CONCURRENCY, LONGEST_RUN, Settings, Summary,
};
pub use select::{latest_published_version, select_functions};
