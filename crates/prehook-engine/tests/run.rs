//! Running checks through the engine with a scripted invoker: retries, timeouts, concurrency.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use prehook_core::HookConfig;
use prehook_engine::{
    Attempt, Backoff, CheckResult, Concurrency, InvokeRequest, InvokeResponse, Invoker,
    PlannedCheck, Progress, Run, run_checks,
};
use serde_json::json;

/// Answers with the scripted replies in turn (the last one for ever); `None` never answers.
struct Scripted {
    replies: Vec<Option<Result<u16, &'static str>>>,
    calls: AtomicUsize,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    /// Per function: (in flight now, most in flight).
    per_function: Mutex<HashMap<String, (usize, usize)>>,
}

impl Scripted {
    fn new(replies: Vec<Option<Result<u16, &'static str>>>) -> Self {
        Self {
            replies,
            calls: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            most_in_flight: AtomicUsize::new(0),
            per_function: Mutex::default(),
        }
    }
}

impl Scripted {
    fn count(&self, function: &str, change: isize) {
        let mut map = self.per_function.lock().unwrap();
        let (now, most) = map.entry(function.to_owned()).or_default();
        *now = now.checked_add_signed(change).unwrap();
        *most = (*most).max(*now);
    }

    fn most_in_flight_of(&self, function: &str) -> usize {
        self.per_function.lock().unwrap()[function].1
    }
}

impl Invoker for Scripted {
    type Error = String;

    async fn invoke(&self, request: InvokeRequest) -> Result<InvokeResponse, String> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_in_flight.fetch_max(now, Ordering::SeqCst);
        self.count(&request.function, 1);
        tokio::time::sleep(Duration::from_millis(10)).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.count(&request.function, -1);
        match self.replies[call.min(self.replies.len() - 1)] {
            None => std::future::pending().await,
            Some(Err(message)) => Err(message.to_owned()),
            Some(Ok(status)) => Ok(InvokeResponse {
                function_error: None,
                payload: json!({"statusCode": status, "body": "ok"})
                    .to_string()
                    .into_bytes(),
            }),
        }
    }
}

fn config(retries: u32, checks: usize) -> HookConfig {
    let checks: Vec<String> = (0..checks).map(|n| format!("GET /{n}")).collect();
    HookConfig::from_value(&json!({"functions": {"svc-dev-web": {
        "key": "web", "event": "apigateway", "retries": retries, "timeout": 1, "checks": checks
    }}}))
    .unwrap()
}

fn plan(config: &HookConfig) -> Vec<PlannedCheck<'_>> {
    config
        .functions
        .iter()
        .flat_map(|(function, checks)| {
            checks.checks.iter().map(move |check| PlannedCheck {
                function,
                version: "3",
                checks,
                check,
            })
        })
        .collect()
}

fn functions(count: usize, checks_each: usize) -> HookConfig {
    let checks: Vec<String> = (0..checks_each).map(|n| format!("GET /{n}")).collect();
    let functions: serde_json::Map<String, serde_json::Value> = (0..count)
        .map(|n| {
            let config = json!({ "key": format!("f{n}"), "event": "apigateway", "retries": 0, "timeout": 1, "checks": checks });
            (format!("svc-dev-f{n}"), config)
        })
        .collect();
    HookConfig::from_value(&json!({ "functions": functions })).unwrap()
}

async fn run(
    invoker: &Scripted,
    config: &HookConfig,
    concurrency: Concurrency,
) -> (Vec<CheckResult>, Vec<(u32, bool)>) {
    let seen = Mutex::new(Vec::new());
    let observer = |a: &Attempt<'_>| seen.lock().unwrap().push((a.attempt, a.evaluation.passed));
    let progress = Progress::default();
    let run = Run {
        invoker,
        run_id: "test",
        cutoff: Instant::now() + Duration::from_secs(600),
        backoff: Backoff {
            first: Duration::from_millis(100),
            max: Duration::from_millis(200),
        },
        progress: &progress,
        observer: &observer,
    };
    let results = run_checks(&run, &plan(config), concurrency).await;
    (results, seen.into_inner().unwrap())
}

const ONE: Concurrency = Concurrency {
    total: 1,
    per_function: 1,
};

#[tokio::test(start_paused = true)]
async fn retries_until_the_check_passes() {
    let invoker = Scripted::new(vec![Some(Ok(500)), Some(Err("throttled")), Some(Ok(200))]);
    let (results, seen) = run(&invoker, &config(3, 1), ONE).await;
    assert_eq!(seen, [(1, false), (2, false), (3, true)]);
    assert!(results[0].passed);
    assert_eq!((results[0].attempts, results[0].status), (3, Some(200)));
}

#[tokio::test(start_paused = true)]
async fn the_last_failure_is_the_reason_once_retries_are_used_up() {
    let invoker = Scripted::new(vec![Some(Ok(500)), Some(Err("throttled"))]);
    let (results, seen) = run(&invoker, &config(1, 1), ONE).await;
    assert_eq!(seen.len(), 2);
    assert_eq!(
        results[0].reason.as_deref(),
        Some("invoke failed: throttled")
    );
    assert_eq!((results[0].passed, results[0].status), (false, None));
}

#[tokio::test(start_paused = true)]
async fn an_attempt_without_an_answer_times_out() {
    let invoker = Scripted::new(vec![None]);
    let (results, _) = run(&invoker, &config(1, 1), ONE).await;
    assert_eq!(invoker.calls.load(Ordering::SeqCst), 2);
    assert_eq!(
        results[0].reason.as_deref(),
        Some("no answer within 1000 ms")
    );
}

#[tokio::test(start_paused = true)]
async fn a_plan_runs_a_bounded_number_at_once_and_keeps_its_order() {
    let invoker = Scripted::new(vec![Some(Ok(200))]);
    let config = config(0, 7);
    let bounds = Concurrency {
        total: 3,
        per_function: 10,
    };
    let (results, _) = run(&invoker, &config, bounds).await;
    assert_eq!(invoker.most_in_flight.load(Ordering::SeqCst), 3);
    let labels: Vec<&str> = results.iter().map(|r| r.label.as_str()).collect();
    let expected: Vec<String> = (0..7).map(|n| format!("svc-dev-web:3 GET /{n}")).collect();
    assert_eq!(labels, expected);
}

#[tokio::test(start_paused = true)]
async fn checks_of_different_functions_run_side_by_side_and_of_one_function_within_its_bound() {
    let invoker = Scripted::new(vec![Some(Ok(200))]);
    let config = functions(3, 5);
    let bounds = Concurrency {
        total: 64,
        per_function: 2,
    };
    let (results, _) = run(&invoker, &config, bounds).await;
    assert_eq!(results.len(), 15);
    assert!(results.iter().all(|r| r.passed));
    assert_eq!(invoker.most_in_flight.load(Ordering::SeqCst), 6);
    for n in 0..3 {
        assert_eq!(invoker.most_in_flight_of(&format!("svc-dev-f{n}")), 2);
    }
}

#[tokio::test(start_paused = true)]
async fn the_default_bounds_put_one_check_of_each_of_fifty_functions_in_flight_at_once() {
    let invoker = Scripted::new(vec![Some(Ok(200))]);
    let config = functions(50, 1);
    let (results, _) = run(&invoker, &config, prehook_engine::DEFAULT_CONCURRENCY).await;
    assert!(results.iter().all(|r| r.passed));
    assert_eq!(invoker.most_in_flight.load(Ordering::SeqCst), 50);
}
