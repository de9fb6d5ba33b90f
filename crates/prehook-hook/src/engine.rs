//! The hook's side of prehook-engine: invokes go through [`LambdaApi`] (the Rust SDK), and
//! every attempt becomes a `check attempt` log line (HELPERS contract 3).

use prehook_core::evaluate::excerpt;
use prehook_engine::{Attempt, InvokeRequest, InvokeResponse, Invoker};
use serde_json::json;

use crate::aws::{AwsError, LambdaApi};
use crate::log;

/// A [`LambdaApi`] as the engine's [`Invoker`].
pub struct Lambda<'a, L>(pub &'a L);

impl<L: LambdaApi> Invoker for Lambda<'_, L> {
    type Error = AwsError;

    fn invoke(
        &self,
        request: InvokeRequest,
    ) -> impl Future<Output = Result<InvokeResponse, AwsError>> + Send {
        self.0.invoke(request)
    }
}

/// Logs one finished attempt.
pub fn log_attempt(attempt: &Attempt<'_>) {
    let planned = attempt.planned;
    let evaluation = attempt.evaluation;
    log::line(&json!({
        "level": if evaluation.passed { "INFO" } else { "WARN" },
        "msg": "check attempt",
        "function": planned.function,
        "key": planned.checks.key,
        "version": planned.version,
        "check": planned.check.name,
        "attempt": attempt.attempt,
        "sent": attempt.sent(),
        "status": evaluation.status,
        "durationMs": attempt.duration_ms,
        "passed": evaluation.passed,
        "reason": evaluation.reason,
        "excerpt": excerpt(&evaluation.excerpt),
    }));
}

#[cfg(test)]
mod tests {
    use crate::Settings;

    #[test]
    fn the_hook_retries_and_spreads_checks_as_prehook_check_does() {
        let settings = Settings::default();
        assert_eq!(settings.backoff, prehook_engine::Backoff::default());
        assert_eq!(settings.concurrency, prehook_engine::DEFAULT_CONCURRENCY);
    }
}
