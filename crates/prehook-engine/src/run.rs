//! A run of checks as a state machine, without I/O and without a clock of its own.
//!
//! The driver asks [`CheckRun::poll`] what to do at `now` (a [`Duration`] since the run's
//! start, on whatever clock the driver keeps): invoke this, wait until then, or done. It
//! performs the invokes however it likes (tokio and the Rust SDK in the hook, promises and the
//! JS SDK in `prehook check`) and feeds back each answer, failure or timeout. Retries with
//! backoff, per-attempt timeouts, the concurrency bounds and the cutoff are decided here, so
//! both drivers reach the same verdicts, and tests drive the run with a fake clock.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Duration;

use prehook_core::{
    Evaluation, EventContext, EventKind, HookConfig, LifecycleEvent, Outcome, Redactor, Request,
    SecretRef, build_event, client_context, evaluate,
};

use crate::error::Error;
use crate::invoke::{InvokeRequest, InvokeResponse};
use crate::plan::{PlannedCheck, Target, plan_checks};

/// Backoff between attempts: cold starts and deploys settling need a moment, not a minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            first: Duration::from_millis(500),
            max: Duration::from_secs(4),
        }
    }
}

impl Backoff {
    /// The pause after failed attempt number `attempt` (from 1).
    pub fn after(&self, attempt: u32) -> Duration {
        self.first
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
            .min(self.max)
    }
}

/// How many checks may be under way at once (from their first attempt to their verdict,
/// backoff pauses included).
///
/// Checks of different functions run side by side: each invokes its own function's new
/// version, which starts as many instances as it gets concurrent calls, so an AppSpec of many
/// functions costs about one check's time. Checks of the same function are bounded apart,
/// so that a long list of checks does not start that many instances of one function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Concurrency {
    /// Across all functions: keeps the hook's own sockets and memory small.
    pub total: usize,
    /// Per function.
    pub per_function: usize,
}

/// The bounds the hook and `prehook check` use.
pub const DEFAULT_CONCURRENCY: Concurrency = Concurrency {
    total: 64,
    per_function: 4,
};

/// The longest a run may take unless its driver says otherwise: Lambda's own maximum, the
/// longest a hook could ever check (`prehook check` runs this long without `cutoffMs`).
pub const LONGEST_RUN: Duration = Duration::from_secs(900);

/// What a run is given besides its checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub backoff: Backoff,
    pub concurrency: Concurrency,
    /// Names the run in each event's request id (the deployment id in the hook).
    pub run_id: String,
    /// Wall-clock time at the run's start, in milliseconds since the Unix epoch: the events'
    /// request time is this plus the run's `now`.
    pub epoch_ms: u64,
    /// Since the run's start: no attempt starts from then on, and the run ends then with the
    /// checks still under way left unfinished (the hook keeps time to report after it).
    pub cutoff: Duration,
}

/// Names one attempt between [`Action::Invoke`] and the answer fed back.
pub type AttemptId = u64;

/// What the driver should do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Start this invoke now, and feed back its answer with its `id`.
    Invoke {
        id: AttemptId,
        request: InvokeRequest,
    },
    /// Nothing to start before this time (since the run's start) unless an answer comes first.
    WaitUntil(Duration),
    /// Every check has its result, or the cutoff came: see [`CheckRun::results`].
    Done,
}

/// One finished attempt: what the hook logs as a `check attempt` line.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptRecord {
    pub function: String,
    pub key: String,
    pub qualifier: String,
    /// The check's name (`GET /healthcheck`).
    pub check: String,
    /// What it sent: `GET /healthcheck`, or `payload`.
    pub sent: String,
    /// From 1.
    pub attempt: u32,
    pub duration_ms: u64,
    pub evaluation: Evaluation,
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    pub function: String,
    pub key: String,
    pub qualifier: String,
    /// The check's name (`GET /healthcheck`).
    pub check: String,
    pub passed: bool,
    /// False when the cutoff came first: an attempt or a pause was under way, or it never
    /// started.
    pub finished: bool,
    /// Why it failed: the last attempt's reason, or what the cutoff cut short.
    pub reason: Option<String>,
    /// The reason of the last attempt, also for an unfinished check.
    pub last_reason: Option<String>,
    pub attempts: u32,
    /// The HTTP status of the last attempt, for HTTP checks that got an answer.
    pub status: Option<u16>,
    /// How long the last attempt took (0 when none finished).
    pub duration_ms: u64,
}

impl CheckResult {
    /// `website-dev-website:4 GET /healthcheck`
    pub fn label(&self) -> String {
        format!("{}:{} {}", self.function, self.qualifier, self.check)
    }
}

/// The verdict of a whole run, as the hook reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub passed: bool,
    /// Every failure, `label: reason`, or the checks the cutoff left unfinished.
    pub reason: Option<String>,
    pub checks: usize,
    pub failed: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Stage {
    /// Not started: waits for room within the concurrency bounds.
    Queued,
    /// An attempt is in flight.
    Invoking {
        id: AttemptId,
        started: Duration,
    },
    /// Between a failed attempt and the next one.
    Pausing {
        until: Duration,
    },
    Finished,
}

#[derive(Debug)]
struct CheckState {
    planned: PlannedCheck,
    stage: Stage,
    attempts: u32,
    last: Option<Evaluation>,
    last_duration_ms: u64,
}

impl CheckState {
    /// Holds a slot of the concurrency bounds.
    fn under_way(&self) -> bool {
        matches!(self.stage, Stage::Invoking { .. } | Stage::Pausing { .. })
    }
}

/// The checks of one run and where each one is.
#[derive(Debug)]
pub struct CheckRun {
    checks: Vec<CheckState>,
    settings: Settings,
    next_id: AttemptId,
    /// Set once the cutoff ended the run.
    cut_off: bool,
    attempts: VecDeque<AttemptRecord>,
    /// What the driver resolved each secret reference to, or why it could not.
    secrets: BTreeMap<SecretRef, Result<String, Error>>,
    /// Hides the resolved values in everything the run reports.
    redactor: Redactor,
}

impl CheckRun {
    /// A run of `plan`, in its order.
    pub fn new(plan: Vec<PlannedCheck>, settings: Settings) -> Self {
        let checks = plan
            .into_iter()
            .map(|planned| CheckState {
                planned,
                stage: Stage::Queued,
                attempts: 0,
                last: None,
                last_duration_ms: 0,
            })
            .collect();
        Self {
            checks,
            settings,
            next_id: 0,
            cut_off: false,
            attempts: VecDeque::new(),
            secrets: BTreeMap::new(),
            redactor: Redactor::default(),
        }
    }

    /// The secret references of the planned checks, each once: what the driver resolves
    /// (SSM, Secrets Manager) and hands over with [`CheckRun::resolve_secret`] before the
    /// first [`CheckRun::poll`]. The engine itself never reads a secret store.
    pub fn secret_references(&self) -> Vec<SecretRef> {
        let mut references: Vec<SecretRef> = self
            .checks
            .iter()
            .filter_map(|c| match &c.planned.check.request {
                Request::Http(http) => Some(http.secrets().cloned().collect::<Vec<_>>()),
                Request::Raw(_) => None,
            })
            .flatten()
            .collect();
        references.sort();
        references.dedup();
        references
    }

    /// The value of `reference`, or why it could not be read (one of the `Secret*` variants of
    /// [`Error`]). A
    /// check whose reference failed, or was never given, fails without being invoked, with a
    /// reason that names the reference; a value is never part of what the run reports.
    pub fn resolve_secret(&mut self, reference: &SecretRef, value: Result<String, Error>) {
        if let Ok(text) = &value {
            self.redactor.add(reference, text);
        }
        self.secrets.insert(reference.clone(), value);
    }

    /// A run of the checks `event` runs on `targets` ([`plan_checks`]).
    pub fn plan(
        config: &HookConfig,
        targets: &[Target],
        event: LifecycleEvent,
        settings: Settings,
    ) -> Result<Self, Error> {
        Ok(Self::new(plan_checks(config, targets, event)?, settings))
    }

    /// The checks, in plan order.
    pub fn planned(&self) -> impl Iterator<Item = &PlannedCheck> {
        self.checks.iter().map(|c| &c.planned)
    }

    /// What to do at `now`. Call it until it says [`Action::WaitUntil`] or [`Action::Done`],
    /// then again once an answer was fed back or the time to wait until has come.
    pub fn poll(&mut self, now: Duration) -> Action {
        if self.is_done() {
            return Action::Done;
        }
        if now >= self.settings.cutoff {
            self.cut_off = true;
            return Action::Done;
        }
        self.expire(now);
        while let Some(index) = self.next_to_start(now) {
            match self.unresolved(index) {
                // Retrying cannot help: the secret is read once, before the run.
                Some(reason) => self.fail_unsent(index, reason),
                None => return self.start_attempt(index, now),
            }
        }
        if self.is_done() {
            return Action::Done;
        }
        let wake = self
            .checks
            .iter()
            .filter_map(|c| match c.stage {
                Stage::Invoking { started, .. } => Some(started + c.planned.timeout),
                Stage::Pausing { until } => Some(until),
                Stage::Queued | Stage::Finished => None,
            })
            .fold(self.settings.cutoff, Duration::min);
        Action::WaitUntil(wake)
    }

    /// The attempt `id` got an answer at `now`. Returns false (and changes nothing) when the
    /// attempt is no longer awaited: it timed out, or the run ended.
    pub fn on_response(&mut self, id: AttemptId, now: Duration, response: &InvokeResponse) -> bool {
        let Some((index, started)) = self.awaiting(id) else {
            return false;
        };
        let planned = &self.checks[index].planned;
        let duration_ms = now.saturating_sub(started).as_millis() as u64;
        // A version may echo what it was sent: the answer is judged with the secret values
        // already hidden, so that no excerpt or reason (cut to length before it could be
        // redacted) carries a piece of one.
        let redacted = (!self.redactor.is_empty()).then(|| {
            self.redactor
                .redact_answer(&String::from_utf8_lossy(&response.payload))
                .into_bytes()
        });
        let evaluation = evaluate(
            planned.event,
            &planned.check.expect,
            &Outcome {
                function_error: response.function_error.as_deref(),
                payload: redacted.as_deref().unwrap_or(&response.payload),
                duration_ms,
            },
        );
        self.finish_attempt(index, now, duration_ms, evaluation);
        true
    }

    /// The invoke of attempt `id` failed at `now` (`reason` as the SDK describes it).
    pub fn on_error(&mut self, id: AttemptId, now: Duration, reason: &str) -> bool {
        let Some((index, started)) = self.awaiting(id) else {
            return false;
        };
        let duration_ms = now.saturating_sub(started).as_millis() as u64;
        self.finish_attempt(
            index,
            now,
            duration_ms,
            failed(format!("invoke failed: {reason}")),
        );
        true
    }

    /// The driver gave up waiting for attempt `id` at `now`. [`CheckRun::poll`] does the same
    /// by itself once an attempt's timeout has passed.
    pub fn on_timeout(&mut self, id: AttemptId, now: Duration) -> bool {
        let Some((index, started)) = self.awaiting(id) else {
            return false;
        };
        self.time_out(index, started, now);
        true
    }

    /// The attempts finished since the last call, oldest first.
    pub fn drain_attempts(&mut self) -> impl Iterator<Item = AttemptRecord> + '_ {
        self.attempts.drain(..)
    }

    /// True once every check has finished or the cutoff came.
    pub fn is_done(&self) -> bool {
        self.cut_off || self.checks.iter().all(|c| c.stage == Stage::Finished)
    }

    /// Each check's result, in plan order; unfinished ones say what the cutoff cut short.
    pub fn results(&self) -> Vec<CheckResult> {
        self.checks.iter().map(result_of).collect()
    }

    /// The verdict of the run: passed only when every check finished and passed.
    pub fn summary(&self) -> Summary {
        let results = self.results();
        let pending: Vec<String> = results
            .iter()
            .filter(|r| !r.finished)
            .map(|r| match &r.last_reason {
                Some(reason) => format!("{} (last attempt: {reason})", r.label()),
                None => r.label(),
            })
            .collect();
        let failures: Vec<String> = results
            .iter()
            .filter(|r| r.finished && !r.passed)
            .map(|r| format!("{}: {}", r.label(), r.reason.as_deref().unwrap_or("failed")))
            .collect();
        let reason = if !pending.is_empty() {
            Some(format!(
                "deadline reached with checks still running: {}",
                pending.join("; ")
            ))
        } else {
            (!failures.is_empty()).then(|| failures.join("; "))
        };
        Summary {
            passed: reason.is_none(),
            reason,
            checks: results.len(),
            failed: failures.len() + pending.len(),
        }
    }

    fn awaiting(&self, id: AttemptId) -> Option<(usize, Duration)> {
        if self.cut_off {
            return None;
        }
        self.checks
            .iter()
            .enumerate()
            .find_map(|(index, c)| match c.stage {
                Stage::Invoking {
                    id: awaited,
                    started,
                } if awaited == id => Some((index, started)),
                _ => None,
            })
    }

    /// Times out every attempt whose timeout has passed at `now`.
    fn expire(&mut self, now: Duration) {
        for index in 0..self.checks.len() {
            let check = &self.checks[index];
            if let Stage::Invoking { started, .. } = check.stage
                && now >= started + check.planned.timeout
            {
                self.time_out(index, started, now);
            }
        }
    }

    fn time_out(&mut self, index: usize, started: Duration, now: Duration) {
        let timeout = self.checks[index].planned.timeout;
        let duration_ms = now.saturating_sub(started).as_millis() as u64;
        let evaluation = failed(format!("no answer within {} ms", timeout.as_millis()));
        self.finish_attempt(index, now, duration_ms, evaluation);
    }

    /// The check whose attempt should start at `now`: a retry whose pause is over, else the
    /// first queued check in plan order whose function has room.
    fn next_to_start(&self, now: Duration) -> Option<usize> {
        let retry = self
            .checks
            .iter()
            .position(|c| matches!(c.stage, Stage::Pausing { until } if until <= now));
        if retry.is_some() {
            return retry;
        }
        let under_way = self.checks.iter().filter(|c| c.under_way()).count();
        if under_way >= self.settings.concurrency.total.max(1) {
            return None;
        }
        let mut per_function: HashMap<&str, usize> = HashMap::new();
        for c in self.checks.iter().filter(|c| c.under_way()) {
            *per_function.entry(&c.planned.function).or_default() += 1;
        }
        let room = self.settings.concurrency.per_function.max(1);
        self.checks.iter().position(|c| {
            c.stage == Stage::Queued
                && per_function
                    .get(c.planned.function.as_str())
                    .copied()
                    .unwrap_or(0)
                    < room
        })
    }

    /// Why check `index` cannot be sent: a secret reference of its request without a value.
    fn unresolved(&self, index: usize) -> Option<String> {
        let Request::Http(http) = &self.checks[index].planned.check.request else {
            return None;
        };
        http.secrets()
            .find_map(|reference| match self.secrets.get(reference) {
                Some(Ok(_)) => None,
                Some(Err(reason)) => Some(format!("cannot read secret {reference}: {reason}")),
                None => Some(format!(
                    "secret {reference} was not resolved before the checks started"
                )),
            })
    }

    /// Check `index` fails at once, unsent, as one attempt with `reason`.
    fn fail_unsent(&mut self, index: usize, reason: String) {
        let evaluation = self.redact(failed(reason));
        let check = &mut self.checks[index];
        check.attempts += 1;
        let planned = &check.planned;
        let record = AttemptRecord {
            function: planned.function.clone(),
            key: planned.key.clone(),
            qualifier: planned.qualifier.clone(),
            check: planned.check.name.clone(),
            sent: planned.sent(),
            attempt: check.attempts,
            duration_ms: 0,
            evaluation,
        };
        check.stage = Stage::Finished;
        check.last = Some(record.evaluation.clone());
        check.last_duration_ms = 0;
        self.attempts.push_back(record);
    }

    fn redact(&self, evaluation: Evaluation) -> Evaluation {
        if self.redactor.is_empty() {
            return evaluation;
        }
        Evaluation {
            reason: evaluation.reason.map(|r| self.redactor.redact(&r)),
            excerpt: self.redactor.redact(&evaluation.excerpt),
            ..evaluation
        }
    }

    fn start_attempt(&mut self, index: usize, now: Duration) -> Action {
        let id = self.next_id;
        self.next_id += 1;
        let check = &mut self.checks[index];
        check.attempts += 1;
        check.stage = Stage::Invoking { id, started: now };
        let planned = &check.planned;
        let context = EventContext {
            request_id: format!(
                "prehook-{}-{index}-{}",
                self.settings.run_id, check.attempts
            ),
            time_epoch_ms: self.settings.epoch_ms + now.as_millis() as u64,
        };
        let request = match &planned.check.request {
            Request::Http(http) => {
                let secrets = &self.secrets;
                // `poll` starts no check with a reference lacking a value.
                let resolved = http.with_secrets(|reference| match secrets.get(reference) {
                    Some(Ok(value)) => Some(value.clone()),
                    _ => None,
                });
                Request::Http(resolved.unwrap_or_else(|_| http.clone()))
            }
            Request::Raw(_) => planned.check.request.clone(),
        };
        let payload = build_event(planned.event, &request, &context)
            .to_string()
            .into_bytes();
        Action::Invoke {
            id,
            request: InvokeRequest {
                function: planned.function.clone(),
                qualifier: planned.qualifier.clone(),
                payload,
                client_context: (planned.event == EventKind::Raw).then(client_context),
                timeout: planned.timeout,
            },
        }
    }

    fn finish_attempt(
        &mut self,
        index: usize,
        now: Duration,
        duration_ms: u64,
        evaluation: Evaluation,
    ) {
        let backoff = self.settings.backoff;
        let cutoff = self.settings.cutoff;
        let evaluation = self.redact(evaluation);
        let check = &mut self.checks[index];
        let planned = &check.planned;
        self.attempts.push_back(AttemptRecord {
            function: planned.function.clone(),
            key: planned.key.clone(),
            qualifier: planned.qualifier.clone(),
            check: planned.check.name.clone(),
            sent: planned.sent(),
            attempt: check.attempts,
            duration_ms,
            evaluation: evaluation.clone(),
        });
        let retries_left = check.attempts <= planned.retries;
        let pause = backoff.after(check.attempts);
        check.stage = if evaluation.passed || !retries_left {
            Stage::Finished
        } else if now + pause >= cutoff {
            // The next attempt could not start before the cutoff: the last failure stands.
            Stage::Finished
        } else {
            Stage::Pausing { until: now + pause }
        };
        check.last = Some(evaluation);
        check.last_duration_ms = duration_ms;
    }
}

fn result_of(check: &CheckState) -> CheckResult {
    let planned = &check.planned;
    let finished = check.stage == Stage::Finished;
    let last_reason = check.last.as_ref().and_then(|e| e.reason.clone());
    let passed = finished && check.last.as_ref().is_some_and(|e| e.passed);
    let reason = if finished {
        last_reason.clone()
    } else if check.attempts == 0 {
        Some("no time left to run it before the deadline".to_owned())
    } else {
        Some(match &last_reason {
            Some(last) => format!("deadline reached before it finished (last attempt: {last})"),
            None => "deadline reached before it finished".to_owned(),
        })
    };
    CheckResult {
        function: planned.function.clone(),
        key: planned.key.clone(),
        qualifier: planned.qualifier.clone(),
        check: planned.check.name.clone(),
        passed,
        finished,
        reason,
        last_reason,
        attempts: check.attempts,
        status: check.last.as_ref().and_then(|e| e.status),
        duration_ms: check.last_duration_ms,
    }
}

fn failed(reason: String) -> Evaluation {
    Evaluation {
        passed: false,
        status: None,
        reason: Some(reason),
        excerpt: String::new(),
    }
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
        let waits: Vec<u128> = (1..=5).map(|n| backoff.after(n).as_millis()).collect();
        assert_eq!(waits, [500, 1000, 2000, 3000, 3000]);
    }
}
