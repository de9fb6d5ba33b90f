//! A fake world to drive a [`CheckRun`] in: a clock that jumps from one event to the next, and
//! functions that answer after a fixed latency as a script says.

use std::collections::HashMap;
use std::time::Duration;

use prehook_core::HookConfig;
use prehook_engine::{
    Action, AttemptId, AttemptRecord, Backoff, CheckRun, Concurrency, InvokeRequest,
    InvokeResponse, Settings, Target,
};
use serde_json::json;

/// How a function answers one invoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// A proxy response with this status and body `ok`.
    Status(u16),
    /// The invoke itself fails with this reason.
    Error(&'static str),
    /// No answer, ever.
    Never,
}

/// Answers the n-th invoke (from 0).
type Script = Box<dyn FnMut(&InvokeRequest, usize) -> Answer>;

pub struct World {
    pub now: Duration,
    pub latency: Duration,
    script: Script,
    /// Every invoke and when it started.
    pub calls: Vec<(Duration, InvokeRequest)>,
    pub attempts: Vec<AttemptRecord>,
    due: Vec<(Duration, AttemptId, Answer, String)>,
    pub most_in_flight: usize,
    /// Per function, the most invokes in flight at once.
    pub most_in_flight_of: HashMap<String, usize>,
}

impl World {
    pub fn new(script: impl FnMut(&InvokeRequest, usize) -> Answer + 'static) -> Self {
        Self {
            now: Duration::ZERO,
            latency: Duration::from_millis(10),
            script: Box::new(script),
            calls: Vec::new(),
            attempts: Vec::new(),
            due: Vec::new(),
            most_in_flight: 0,
            most_in_flight_of: HashMap::new(),
        }
    }

    /// Answers in turn with `answers` (the last one for ever after).
    pub fn scripted(answers: &[Answer]) -> Self {
        let answers = answers.to_vec();
        Self::new(move |_, n| answers[n.min(answers.len() - 1)])
    }

    /// Drives `run` until it is done, as a driver would.
    pub fn drive(&mut self, run: &mut CheckRun) {
        loop {
            let wake = loop {
                match run.poll(self.now) {
                    Action::Invoke { id, request } => self.invoke(id, request),
                    Action::WaitUntil(at) => break Some(at),
                    Action::Done => break None,
                }
            };
            self.attempts.extend(run.drain_attempts());
            let Some(wake) = wake else { return };
            assert!(
                wake > self.now,
                "asked to wait until {wake:?} at {:?}",
                self.now
            );
            let next = (0..self.due.len())
                .filter(|&i| self.due[i].2 != Answer::Never)
                .min_by_key(|&i| self.due[i].0);
            match next {
                Some(i) if self.due[i].0 <= wake => {
                    let (at, id, answer, _) = self.due.remove(i);
                    self.now = at;
                    let awaited = match answer {
                        Answer::Status(status) => run.on_response(id, at, &response(status)),
                        Answer::Error(reason) => run.on_error(id, at, reason),
                        Answer::Never => unreachable!(),
                    };
                    assert!(awaited, "attempt {id} was no longer awaited at {at:?}");
                }
                _ => {
                    self.now = wake;
                    // Invokes whose timeout passed are abandoned, as a driver aborts them.
                    let now = self.now;
                    self.due.retain(|(at, ..)| *at > now);
                }
            }
        }
    }

    fn invoke(&mut self, id: AttemptId, request: InvokeRequest) {
        let answer = (self.script)(&request, self.calls.len());
        let function = request.function.clone();
        let due_at = if answer == Answer::Never {
            self.now + request.timeout
        } else {
            self.now + self.latency
        };
        self.calls.push((self.now, request));
        self.due.push((due_at, id, answer, function.clone()));
        self.most_in_flight = self.most_in_flight.max(self.due.len());
        let of_function = self.due.iter().filter(|d| d.3 == function).count();
        let most = self.most_in_flight_of.entry(function).or_default();
        *most = (*most).max(of_function);
    }

    /// `(attempt, passed)` of every finished attempt, in the order they finished.
    pub fn seen(&self) -> Vec<(u32, bool)> {
        self.attempts
            .iter()
            .map(|a| (a.attempt, a.evaluation.passed))
            .collect()
    }

    /// When each invoke started, in milliseconds since the run's start.
    pub fn call_times_ms(&self) -> Vec<u128> {
        self.calls.iter().map(|(at, _)| at.as_millis()).collect()
    }
}

pub fn response(status: u16) -> InvokeResponse {
    InvokeResponse {
        function_error: None,
        payload: json!({"statusCode": status, "body": "ok"})
            .to_string()
            .into_bytes(),
    }
}

/// Backoff of 100 ms then 200 ms, no cutoff in sight.
pub fn settings(concurrency: Concurrency) -> Settings {
    Settings {
        backoff: Backoff {
            first: Duration::from_millis(100),
            max: Duration::from_millis(200),
        },
        concurrency,
        run_id: "test".into(),
        epoch_ms: 1_700_000_000_000,
        cutoff: Duration::from_secs(600),
    }
}

/// One function, `svc-dev-web`, with `checks` checks `GET /0`, `GET /1`, ...
pub fn config(retries: u32, checks: usize) -> HookConfig {
    let checks: Vec<String> = (0..checks).map(|n| format!("GET /{n}")).collect();
    HookConfig::from_value(&json!({"functions": {"svc-dev-web": {
        "key": "web", "event": "apigateway", "retries": retries, "timeout": 1, "checks": checks
    }}}))
    .unwrap()
}

/// `count` functions `svc-dev-f0`, ... with `checks_each` checks each, no retries.
pub fn functions(count: usize, checks_each: usize) -> HookConfig {
    let checks: Vec<String> = (0..checks_each).map(|n| format!("GET /{n}")).collect();
    let functions: serde_json::Map<String, serde_json::Value> = (0..count)
        .map(|n| {
            let config = json!({ "key": format!("f{n}"), "event": "apigateway", "retries": 0, "timeout": 1, "checks": checks });
            (format!("svc-dev-f{n}"), config)
        })
        .collect();
    HookConfig::from_value(&json!({ "functions": functions })).unwrap()
}

/// Every function of `config` at version 3, in config order.
pub fn targets(config: &HookConfig) -> Vec<Target> {
    config
        .functions
        .keys()
        .map(|function| Target {
            function: function.clone(),
            qualifier: "3".into(),
        })
        .collect()
}
