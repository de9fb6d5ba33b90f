//! What one invocation decides and reports: the [`Verdict`] on a deployment, and the
//! [`ReportError`] when CodeDeploy could not be told. Kept apart from the handler so the paths
//! that decide without running checks ([`crate::skip`]) need not import it.

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

/// The status could not be reported: Lambda should run the hook again.
#[derive(Debug)]
pub struct ReportError(pub String);

impl std::fmt::Display for ReportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "could not report the status to CodeDeploy: {}", self.0)
    }
}

impl std::error::Error for ReportError {}
