//! What one invocation decides and reports: the [`Verdict`] on a deployment. Kept apart from
//! the handler so the paths that decide without running checks ([`crate::skip`]) need not
//! import it.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Status {
    Succeeded,
    Failed,
}

/// The decision about one deployment, returned to Lambda once reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub status: Status,
    pub reason: Option<String>,
    pub checks: usize,
    pub failed: usize,
}

impl Verdict {
    /// Failed before any check ran, for `reason`.
    pub(crate) fn failed(reason: impl Into<String>) -> Self {
        Self {
            status: Status::Failed,
            reason: Some(reason.into()),
            checks: 0,
            failed: 0,
        }
    }
}
