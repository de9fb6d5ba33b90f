//! A run of checks driven with a fake clock: retries with backoff, per-attempt timeouts,
//! concurrency bounds, results in plan order, the cutoff, and the events sent.

use std::time::Duration;

use prehook_core::{HookConfig, LifecycleEvent};
use prehook_engine::{Action, CheckRun, Concurrency, DEFAULT_CONCURRENCY, Settings, Target};
use serde_json::{Value, json};

use crate::world::{Answer, World, config, functions, response, settings, targets};

const ONE: Concurrency = Concurrency {
    total: 1,
    per_function: 1,
};

fn run_of(config: &HookConfig, settings: Settings) -> CheckRun {
    CheckRun::plan(
        config,
        &targets(config),
        LifecycleEvent::BeforeAllowTraffic,
        settings,
    )
    .unwrap()
}

fn labels(run: &CheckRun) -> Vec<String> {
    run.results().iter().map(|r| r.label()).collect()
}

#[test]
fn retries_with_backoff_until_the_check_passes() {
    let mut world = World::scripted(&[
        Answer::Status(500),
        Answer::Error("throttled"),
        Answer::Status(200),
    ]);
    let mut run = run_of(&config(3, 1), settings(ONE));
    world.drive(&mut run);
    assert_eq!(world.seen(), [(1, false), (2, false), (3, true)]);
    // 10 ms answers, then pauses of 100 ms and 200 ms (the maximum).
    assert_eq!(world.call_times_ms(), [0, 110, 320]);
    let result = &run.results()[0];
    assert!(result.passed && result.finished);
    assert_eq!(
        (result.attempts, result.status, result.duration_ms),
        (3, Some(200), 10)
    );
    assert!(run.summary().passed);
}

#[test]
fn the_last_failure_is_the_reason_once_retries_are_used_up() {
    let mut world = World::scripted(&[Answer::Status(500), Answer::Error("throttled")]);
    let mut run = run_of(&config(1, 1), settings(ONE));
    world.drive(&mut run);
    assert_eq!(world.calls.len(), 2);
    let result = &run.results()[0];
    assert_eq!(result.reason.as_deref(), Some("invoke failed: throttled"));
    assert_eq!((result.passed, result.status), (false, None));
    let summary = run.summary();
    assert_eq!(
        (
            summary.passed,
            summary.reason.as_deref(),
            summary.checks,
            summary.failed
        ),
        (
            false,
            Some("svc-dev-web:3 GET /0: invoke failed: throttled"),
            1,
            1
        )
    );
}

#[test]
fn an_attempt_without_an_answer_times_out_and_a_late_answer_is_ignored() {
    let mut world = World::scripted(&[Answer::Never]);
    let mut run = run_of(&config(1, 1), settings(ONE));
    world.drive(&mut run);
    // The second attempt starts after the 1 s timeout and the 100 ms pause.
    assert_eq!(world.call_times_ms(), [0, 1100]);
    let result = &run.results()[0];
    assert_eq!(result.reason.as_deref(), Some("no answer within 1000 ms"));
    assert_eq!(result.duration_ms, 1000);
    assert!(!run.on_response(0, Duration::from_secs(5), &response(200)));
    assert!(!run.results()[0].passed);
}

#[test]
fn a_driver_can_report_the_timeout_itself() {
    let mut run = run_of(&config(0, 1), settings(ONE));
    let Action::Invoke { id, request } = run.poll(Duration::ZERO) else {
        panic!("expected an invoke")
    };
    assert_eq!(request.timeout, Duration::from_secs(1));
    assert_eq!(
        run.poll(Duration::ZERO),
        Action::WaitUntil(Duration::from_secs(1))
    );
    assert!(run.on_timeout(id, Duration::from_millis(1001)));
    assert_eq!(run.poll(Duration::from_millis(1001)), Action::Done);
    assert_eq!(
        run.results()[0].reason.as_deref(),
        Some("no answer within 1000 ms")
    );
}

#[test]
fn the_response_is_judged_on_the_drivers_clock() {
    let config = HookConfig::from_value(&json!({"functions": {"svc-dev-web": {
        "key": "web", "event": "apigateway", "retries": 0, "timeout": 1,
        "checks": [{"request": "GET /", "expect": {"maxDurationMs": 200}}]
    }}}))
    .unwrap();
    let mut world = World::scripted(&[Answer::Status(200)]);
    world.latency = Duration::from_millis(250);
    let mut run = run_of(&config, settings(ONE));
    world.drive(&mut run);
    assert_eq!(
        run.results()[0].reason.as_deref(),
        Some("took 250 ms, expected at most 200 ms")
    );
}

#[test]
fn a_plan_runs_a_bounded_number_at_once_and_keeps_its_order() {
    // The first checks answer last: results still come in plan order.
    let mut world = World::new(|request, _| {
        let path = serde_json::from_slice::<Value>(&request.payload).unwrap()["path"].clone();
        if path == "/0" {
            Answer::Error("slow")
        } else {
            Answer::Status(200)
        }
    });
    let bounds = Concurrency {
        total: 3,
        per_function: 10,
    };
    let mut run = run_of(&config(0, 7), settings(bounds));
    world.drive(&mut run);
    assert_eq!(world.most_in_flight, 3);
    let expected: Vec<String> = (0..7).map(|n| format!("svc-dev-web:3 GET /{n}")).collect();
    assert_eq!(labels(&run), expected);
    let passed: Vec<bool> = run.results().iter().map(|r| r.passed).collect();
    assert_eq!(passed, [false, true, true, true, true, true, true]);
}

#[test]
fn checks_of_different_functions_run_side_by_side_and_of_one_function_within_its_bound() {
    let mut world = World::scripted(&[Answer::Status(200)]);
    let bounds = Concurrency {
        total: 64,
        per_function: 2,
    };
    let mut run = run_of(&functions(3, 5), settings(bounds));
    world.drive(&mut run);
    let results = run.results();
    assert_eq!(results.len(), 15);
    assert!(results.iter().all(|r| r.passed));
    assert_eq!(world.most_in_flight, 6);
    for n in 0..3 {
        assert_eq!(world.most_in_flight_of[&format!("svc-dev-f{n}")], 2);
    }
}

#[test]
fn a_check_keeps_its_slot_while_it_pauses_between_attempts() {
    // GET /0 fails once and pauses; with one slot per function GET /1 waits for it to finish.
    let mut world = World::scripted(&[Answer::Status(500), Answer::Status(200)]);
    let mut run = run_of(&config(1, 2), settings(ONE));
    world.drive(&mut run);
    assert_eq!(world.call_times_ms(), [0, 110, 120]);
    assert!(run.summary().passed);
}

#[test]
fn the_default_bounds_are_64_in_all_and_4_per_function() {
    // Regression (72e1252): one bound of 8 across all functions ran 50 functions in 7 rounds.
    let mut world = World::scripted(&[Answer::Status(200)]);
    let mut run = run_of(&functions(50, 1), settings(DEFAULT_CONCURRENCY));
    world.drive(&mut run);
    assert!(run.summary().passed);
    assert_eq!(world.most_in_flight, 50);

    let mut world = World::scripted(&[Answer::Status(200)]);
    let mut run = run_of(&functions(70, 1), settings(DEFAULT_CONCURRENCY));
    world.drive(&mut run);
    assert_eq!(world.most_in_flight, 64);

    let mut world = World::scripted(&[Answer::Status(200)]);
    let mut run = run_of(&config(0, 9), settings(DEFAULT_CONCURRENCY));
    world.drive(&mut run);
    assert_eq!(world.most_in_flight, 4);
}

#[test]
fn a_retry_that_would_start_after_the_cutoff_is_not_made() {
    let mut world = World::scripted(&[Answer::Status(503)]);
    let mut settings = settings(ONE);
    settings.backoff.first = Duration::from_secs(10);
    settings.backoff.max = Duration::from_secs(10);
    settings.cutoff = Duration::from_secs(6);
    let mut run = run_of(&config(3, 1), settings);
    world.drive(&mut run);
    assert_eq!(world.calls.len(), 1);
    assert_eq!(
        run.summary().reason.as_deref(),
        Some("svc-dev-web:3 GET /0: expected status 200-399, got 503")
    );
    assert!(run.results()[0].finished);
}

#[test]
fn the_cutoff_ends_the_run_with_what_is_still_under_way() {
    // f0 answers, f1 never does, f2 waits for a slot (one at a time) and never starts.
    let mut world = World::new(|request, _| {
        if request.function == "svc-dev-f1" {
            Answer::Never
        } else {
            Answer::Status(200)
        }
    });
    let mut settings = settings(Concurrency {
        total: 1,
        per_function: 1,
    });
    settings.cutoff = Duration::from_millis(500);
    let config = functions(3, 1);
    let mut run = run_of(&config, settings);
    world.drive(&mut run);
    assert_eq!(world.now, Duration::from_millis(500));
    let results = run.results();
    assert_eq!(
        results
            .iter()
            .map(|r| (r.passed, r.finished, r.reason.as_deref()))
            .collect::<Vec<_>>(),
        [
            (true, true, None),
            (false, false, Some("deadline reached before it finished")),
            (
                false,
                false,
                Some("no time left to run it before the deadline")
            ),
        ]
    );
    let summary = run.summary();
    assert_eq!(
        summary.reason.as_deref(),
        Some(
            "deadline reached with checks still running: svc-dev-f1:3 GET /0; svc-dev-f2:3 GET /0"
        )
    );
    assert_eq!(
        (summary.passed, summary.checks, summary.failed),
        (false, 3, 2)
    );
    // The run is over: a late answer changes nothing.
    assert!(!run.on_response(1, Duration::from_millis(600), &response(200)));
}

#[test]
fn a_check_cut_short_names_its_last_attempt() {
    let mut world = World::scripted(&[Answer::Status(502), Answer::Never]);
    let mut settings = settings(ONE);
    settings.cutoff = Duration::from_millis(500);
    let mut run = run_of(&config(1, 1), settings);
    world.drive(&mut run);
    assert_eq!(world.call_times_ms(), [0, 110]);
    assert_eq!(
        run.results()[0].reason.as_deref(),
        Some(
            "deadline reached before it finished (last attempt: expected status 200-399, got 502)"
        )
    );
    assert_eq!(
        run.summary().reason.as_deref(),
        Some(
            "deadline reached with checks still running: svc-dev-web:3 GET /0 (last attempt: expected status 200-399, got 502)"
        )
    );
}

#[test]
fn each_attempt_sends_the_hooks_event_with_its_own_request_id() {
    let config = HookConfig::from_value(&json!({"functions": {
        "svc-dev-web": {"key": "web", "event": "apigateway", "retries": 1, "timeout": 1, "checks": ["POST /items"]},
        "svc-dev-cron": {"key": "cron", "event": "raw", "retries": 0, "timeout": 1, "checks": [{"payload": {"ping": true}}]},
    }}))
    .unwrap();
    let targets = [
        Target {
            function: "svc-dev-web".into(),
            qualifier: "7".into(),
        },
        Target {
            function: "svc-dev-cron".into(),
            qualifier: "Live".into(),
        },
    ];
    let mut run = CheckRun::plan(
        &config,
        &targets,
        LifecycleEvent::BeforeAllowTraffic,
        settings(DEFAULT_CONCURRENCY),
    )
    .unwrap();
    let mut world = World::scripted(&[Answer::Status(500), Answer::Status(200)]);
    world.drive(&mut run);
    let sent: Vec<(String, String, Value, bool)> = world
        .calls
        .iter()
        .map(|(_, r)| {
            (
                r.function.clone(),
                r.qualifier.clone(),
                serde_json::from_slice(&r.payload).unwrap(),
                r.client_context.is_some(),
            )
        })
        .collect();
    assert_eq!(
        (sent[0].0.as_str(), sent[0].1.as_str()),
        ("svc-dev-web", "7")
    );
    assert_eq!(sent[0].2["httpMethod"], "POST");
    assert_eq!(sent[0].2["requestContext"]["requestId"], "prehook-test-0-1");
    assert_eq!(
        sent[0].2["requestContext"]["requestTimeEpoch"],
        1_700_000_000_000u64
    );
    assert!(!sent[0].3, "HTTP checks send no ClientContext");
    assert_eq!(
        (sent[1].0.as_str(), sent[1].1.as_str()),
        ("svc-dev-cron", "Live")
    );
    assert_eq!(sent[1].2, json!({"ping": true}));
    assert!(sent[1].3, "raw checks send the ClientContext");
    // The retry of the first check, 10 ms + 100 ms later.
    assert_eq!(sent[2].2["requestContext"]["requestId"], "prehook-test-0-2");
    assert_eq!(
        sent[2].2["requestContext"]["requestTimeEpoch"],
        1_700_000_000_110u64
    );
}

#[test]
fn a_run_without_checks_is_done_at_once() {
    let mut run = CheckRun::new(Vec::new(), settings(ONE));
    assert_eq!(run.poll(Duration::ZERO), Action::Done);
    assert!(run.summary().passed);
}
