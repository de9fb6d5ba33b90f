//! Running one check against one function version: invoke, judge, retry with backoff.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::stream::{FuturesUnordered, StreamExt};
use prehook_core::{
    Check, Evaluation, EventContext, EventKind, FunctionChecks, Outcome, Request, build_event,
    client_context, evaluate,
};

use crate::invoker::{InvokeRequest, Invoker};

/// One check of one function version, as planned from the AppSpec and the config.
#[derive(Debug, Clone)]
pub struct PlannedCheck<'a> {
    pub function: &'a str,
    pub version: &'a str,
    pub checks: &'a FunctionChecks,
    pub check: &'a Check,
}

impl PlannedCheck<'_> {
    /// `website-dev-website:4 GET /healthcheck`
    pub fn label(&self) -> String {
        format!("{}:{} {}", self.function, self.version, self.check.name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    pub label: String,
    pub passed: bool,
    pub reason: Option<String>,
    pub attempts: u32,
    /// The HTTP status of the last attempt, for HTTP checks that got an answer.
    pub status: Option<u16>,
    /// How long the last attempt took (0 when none ran).
    pub duration_ms: u64,
}

/// One attempt of a check, as it finished: what the hook logs and the command prints.
#[derive(Debug)]
pub struct Attempt<'a> {
    pub planned: &'a PlannedCheck<'a>,
    /// From 1.
    pub attempt: u32,
    pub duration_ms: u64,
    pub evaluation: &'a Evaluation,
}

impl Attempt<'_> {
    /// What the check sent: `GET /healthcheck`, or `payload` for a raw invoke.
    pub fn sent(&self) -> String {
        match &self.planned.check.request {
            Request::Http(http) => format!("{} {}", http.method, http.path),
            Request::Raw(_) => "payload".to_owned(),
        }
    }
}

/// Told of every attempt as it finishes.
pub trait Observer: Sync {
    fn attempt(&self, attempt: &Attempt<'_>);
}

impl<F: Fn(&Attempt<'_>) + Sync> Observer for F {
    fn attempt(&self, attempt: &Attempt<'_>) {
        self(attempt)
    }
}

/// What is known of each check while they run, so a deadline can say what was still pending.
#[derive(Debug, Default)]
pub struct Progress(Mutex<Vec<CheckProgress>>);

#[derive(Debug, Clone)]
pub struct CheckProgress {
    pub label: String,
    pub done: bool,
    pub passed: bool,
    pub last_reason: Option<String>,
}

impl Progress {
    pub fn start(&self, labels: impl IntoIterator<Item = String>) {
        let mut checks = self.lock();
        checks.extend(labels.into_iter().map(|label| CheckProgress {
            label,
            done: false,
            passed: false,
            last_reason: None,
        }));
    }

    fn update(&self, index: usize, done: bool, passed: bool, reason: Option<String>) {
        if let Some(check) = self.lock().get_mut(index) {
            check.done |= done;
            check.passed |= passed;
            if reason.is_some() {
                check.last_reason = reason;
            }
        }
    }

    pub fn snapshot(&self) -> Vec<CheckProgress> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<CheckProgress>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Backoff between attempts: cold starts and deploys settling need a moment, not a minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

/// How many checks may be in flight at once.
///
/// Checks of different functions run side by side: each invokes its own function's new
/// version, which starts as many instances as it gets concurrent calls, so an AppSpec of many
/// functions costs about one check's time. Checks of the same function are bounded apart,
/// so that a long list of checks does not start that many instances of one function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Concurrency {
    /// Across all functions: keeps the hook's own sockets and memory small.
    pub total: usize,
    /// Per function version.
    pub per_function: usize,
}

/// The bounds the hook and `prehook check` use.
pub const DEFAULT_CONCURRENCY: Concurrency = Concurrency {
    total: 64,
    per_function: 4,
};

impl Default for Backoff {
    fn default() -> Self {
        Self {
            first: Duration::from_millis(500),
            max: Duration::from_secs(4),
        }
    }
}

impl Backoff {
    fn before(&self, retry: u32) -> Duration {
        self.first
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)))
            .min(self.max)
    }
}

/// Everything a run of checks shares: where invokes go, until when, and who hears of attempts.
pub struct Run<'a, I, O> {
    pub invoker: &'a I,
    /// Names the run in each event's request id (the deployment id in the hook).
    pub run_id: &'a str,
    /// No attempt starts after this; the caller abandons checks still running then.
    pub cutoff: Instant,
    pub backoff: Backoff,
    pub progress: &'a Progress,
    pub observer: &'a O,
}

/// Runs `planned` until it passes, its retries are used up, or `run.cutoff` comes.
pub async fn run_check<I: Invoker, O: Observer>(
    run: &Run<'_, I, O>,
    planned: &PlannedCheck<'_>,
    index: usize,
) -> CheckResult {
    let Run {
        invoker,
        run_id,
        cutoff,
        backoff,
        progress,
        observer,
    } = *run;
    let kind = planned.checks.event;
    let label = planned.label();
    let attempts = planned.checks.retries + 1;
    // Not clamped to the cutoff: the handler abandons checks still running then, and says so.
    let per_attempt = Duration::from_secs(planned.checks.timeout);
    let mut last: Option<Evaluation> = None;
    let mut last_duration_ms = 0;
    let mut attempt = 0;
    while attempt < attempts {
        attempt += 1;
        if Instant::now() >= cutoff {
            break;
        }
        let payload = event_payload(kind, &planned.check.request, run_id, index, attempt);
        let request = InvokeRequest {
            function: planned.function.to_owned(),
            qualifier: planned.version.to_owned(),
            payload,
            client_context: (kind == EventKind::Raw).then(client_context),
            timeout: per_attempt,
        };
        let started = Instant::now();
        let answer = tokio::time::timeout(per_attempt, invoker.invoke(request)).await;
        let duration_ms = started.elapsed().as_millis() as u64;
        let evaluation = match answer {
            Err(_) => failed(format!("no answer within {} ms", per_attempt.as_millis())),
            Ok(Err(error)) => failed(format!("invoke failed: {error}")),
            Ok(Ok(response)) => evaluate(
                kind,
                &planned.check.expect,
                &Outcome {
                    function_error: response.function_error.as_deref(),
                    payload: &response.payload,
                    duration_ms,
                },
            ),
        };
        observer.attempt(&Attempt {
            planned,
            attempt,
            duration_ms,
            evaluation: &evaluation,
        });
        last_duration_ms = duration_ms;
        progress.update(
            index,
            evaluation.passed,
            evaluation.passed,
            evaluation.reason.clone(),
        );
        if evaluation.passed {
            return CheckResult {
                label,
                passed: true,
                reason: None,
                attempts: attempt,
                status: evaluation.status,
                duration_ms,
            };
        }
        last = Some(evaluation);
        if attempt < attempts {
            let pause = backoff.before(attempt);
            if Instant::now() + pause >= cutoff {
                break;
            }
            tokio::time::sleep(pause).await;
        }
    }
    progress.update(index, true, false, None);
    let (reason, status) = match last {
        Some(evaluation) => (evaluation.reason, evaluation.status),
        None => (
            Some("no time left to run it before the deadline".into()),
            None,
        ),
    };
    CheckResult {
        label,
        passed: false,
        reason,
        attempts: attempt,
        status,
        duration_ms: last_duration_ms,
    }
}

/// Runs every check of `plan` within the `concurrency` bounds (a slow check does not hold
/// back the next ones); the results in plan order.
pub async fn run_checks<I: Invoker, O: Observer>(
    run: &Run<'_, I, O>,
    plan: &[PlannedCheck<'_>],
    concurrency: Concurrency,
) -> Vec<CheckResult> {
    run.progress.start(plan.iter().map(PlannedCheck::label));
    let total = concurrency.total.max(1);
    let per_function = concurrency.per_function.max(1);
    // A loop rather than `stream::iter(..).map(closure)`: rustc cannot prove such a closure's
    // future `Send` for every lifetime, which napi's async functions require.
    let mut pending: Vec<usize> = (0..plan.len()).collect();
    let mut in_flight: HashMap<&str, usize> = HashMap::new();
    let mut running = FuturesUnordered::new();
    let mut results: Vec<Option<CheckResult>> = vec![None; plan.len()];
    loop {
        while running.len() < total {
            // The first check in plan order whose function has room.
            let Some(position) = pending.iter().position(|&index| {
                in_flight.get(plan[index].function).copied().unwrap_or(0) < per_function
            }) else {
                break;
            };
            let index = pending.remove(position);
            *in_flight.entry(plan[index].function).or_default() += 1;
            running.push(run_indexed(run, &plan[index], index));
        }
        match running.next().await {
            Some((index, result)) => {
                if let Some(count) = in_flight.get_mut(plan[index].function) {
                    *count -= 1;
                }
                results[index] = Some(result);
            }
            None => break,
        }
    }
    results.into_iter().flatten().collect()
}

async fn run_indexed<I: Invoker, O: Observer>(
    run: &Run<'_, I, O>,
    planned: &PlannedCheck<'_>,
    index: usize,
) -> (usize, CheckResult) {
    (index, run_check(run, planned, index).await)
}

fn failed(reason: String) -> Evaluation {
    Evaluation {
        passed: false,
        status: None,
        reason: Some(reason),
        excerpt: String::new(),
    }
}

fn event_payload(
    kind: EventKind,
    request: &Request,
    run_id: &str,
    index: usize,
    attempt: u32,
) -> Vec<u8> {
    let context = EventContext {
        request_id: format!("prehook-{run_id}-{index}-{attempt}"),
        time_epoch_ms: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64),
    };
    build_event(kind, request, &context)
        .to_string()
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_maximum() {
        let backoff = Backoff {
            first: Duration::from_millis(500),
            max: Duration::from_secs(3),
        };
        let waits: Vec<u128> = (1..=5).map(|n| backoff.before(n).as_millis()).collect();
        assert_eq!(waits, [500, 1000, 2000, 3000, 3000]);
    }
}
