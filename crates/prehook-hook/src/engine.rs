//! The hook's driver of prehook-engine: it carries out the run's invokes through
//! [`LambdaApi`] (the Rust SDK) on tokio, waits on tokio's timers, feeds every answer back,
//! and logs every finished attempt as a `check attempt` line (the format README.md shows).

use std::time::Instant;

use futures::stream::{FuturesUnordered, StreamExt};
use prehook_core::evaluate::excerpt;
use prehook_engine::{Action, AttemptRecord, CheckRun};
use serde_json::json;

use crate::aws::LambdaApi;
use crate::log;

/// Drives `run` until it is done; the run's time is the time since `start`.
///
/// The invokes run concurrently in this task (not spawned), so a panic in one of them reaches
/// the handler, which reports it as Failed.
pub async fn drive<L: LambdaApi>(lambda: &L, run: &mut CheckRun, start: Instant) {
    let mut invokes = FuturesUnordered::new();
    loop {
        let now = start.elapsed();
        let wake = loop {
            match run.poll(now) {
                Action::Invoke { id, request } => {
                    let timeout = request.timeout;
                    let invoke = lambda.invoke(request);
                    // Dropped at its timeout: the engine no longer waits for it then.
                    invokes.push(async move { (id, tokio::time::timeout(timeout, invoke).await) });
                }
                Action::WaitUntil(at) => break Some(at),
                Action::Done => break None,
            }
        };
        run.drain_attempts()
            .for_each(|attempt| log_attempt(&attempt));
        let Some(wake) = wake else { return };
        tokio::select! {
            Some((id, answer)) = invokes.next() => {
                let now = start.elapsed();
                match answer {
                    Ok(Ok(response)) => run.on_response(id, now, &response),
                    Ok(Err(error)) => run.on_error(id, now, &error.message),
                    Err(_) => run.on_timeout(id, now),
                };
            }
            () = tokio::time::sleep_until((start + wake).into()) => {}
        }
    }
}

/// Logs one finished attempt.
pub fn log_attempt(attempt: &AttemptRecord) {
    let evaluation = &attempt.evaluation;
    log::line(&json!({
        "level": if evaluation.passed { "INFO" } else { "WARN" },
        "msg": "check attempt",
        "function": attempt.function,
        "key": attempt.key,
        "version": attempt.qualifier,
        "check": attempt.check,
        "attempt": attempt.attempt,
        "sent": attempt.sent,
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
