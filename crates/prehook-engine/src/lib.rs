//! The check engine of serverless-prehook: runs a function version's checks and judges them.
//!
//! The hook Lambda (crates/prehook-hook, through the Rust SDK) and the plugin's
//! `serverless prehook check` command (crates/prehook-node, through the JS SDK) both run
//! checks here, so the command's verdict is the hook's verdict:
//! - [`check`]: one check (event, invoke, evaluation, retries with backoff, per-attempt
//!   timeout) and a whole plan of them, a bounded number at once;
//! - [`invoker`]: the one call the engine needs, implemented by each caller;
//! - [`select`]: which functions and version `prehook check` runs against.
//!
//! No AWS SDK and no napi here: only tokio's timers and futures.

pub mod check;
pub mod invoker;
pub mod select;

pub use check::{
    Attempt, Backoff, CheckProgress, CheckResult, Concurrency, DEFAULT_CONCURRENCY, Observer,
    PlannedCheck, Progress, Run, run_check, run_checks,
};
pub use invoker::{InvokeRequest, InvokeResponse, Invoker};
pub use select::{latest_published_version, select_functions};
