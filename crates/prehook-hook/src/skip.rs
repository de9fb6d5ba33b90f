//! Checks skipped on purpose (`PREHOOK_SKIP` at package time): the hook reports Succeeded for
//! every lifecycle event without invoking anything, and says so as loudly as a log can.

use prehook_core::Skip;
use serde_json::json;

use crate::log;
use crate::verdict::{Status, Verdict};

/// Logs the skip (a WARN line of its own, before the verdict line) and returns the verdict.
pub fn verdict(deployment_id: &str, skip: &Skip) -> Verdict {
    log::message(
        "WARN",
        "checks skipped",
        json!({"deploymentId": deployment_id, "reason": skip.reason, "setting": skip.setting}),
    );
    Verdict {
        status: Status::Succeeded,
        reason: Some(format!(
            "checks skipped: {} (set by {})",
            skip.reason, skip.setting
        )),
        checks: 0,
        failed: 0,
    }
}
