//! Secret references: the run sends the values the driver resolved, fails closed (unsent, with
//! the reference named) on one it could not resolve, and reports no value anywhere.

use prehook_core::{HookConfig, LifecycleEvent, SecretRef};
use prehook_engine::{CheckRun, Error, InvokeResponse};
use serde_json::{Value, json};

use crate::world::{Answer, World, settings, targets};

const TOKEN: &str = "tok-7f3a\"9";

fn config() -> HookConfig {
    HookConfig::from_value(&json!({"functions": {"svc-dev-web": {
        "key": "web", "event": "httpapi", "retries": 2, "timeout": 1, "checks": [
            {"request": {"path": "/a", "headers": {"Authorization": {"ssm": "/prod/token"}, "X-Plain": "p"},
                         "query": {"key": {"secretsManager": "prod/api", "key": "k"}}}},
            {"request": {"path": "/b", "headers": {"X-Api-Key": {"secretsManager": "prod/api", "key": "k"}}}},
            "GET /c"
        ]}}}))
    .unwrap()
}

fn run() -> CheckRun {
    let config = config();
    CheckRun::plan(
        &config,
        &targets(&config),
        LifecycleEvent::BeforeAllowTraffic,
        settings(prehook_engine::DEFAULT_CONCURRENCY),
    )
    .unwrap()
}

fn ssm() -> SecretRef {
    SecretRef::Ssm {
        ssm: "/prod/token".into(),
    }
}

fn api() -> SecretRef {
    SecretRef::SecretsManager {
        secrets_manager: "prod/api".into(),
        key: Some("k".into()),
    }
}

#[test]
fn resolved_values_are_sent_and_never_reported() {
    let mut run = run();
    assert_eq!(run.secret_references(), [ssm(), api()]);
    run.resolve_secret(&ssm(), Ok(format!("Bearer {TOKEN}")));
    run.resolve_secret(&api(), Ok("k 1/2".into()));
    // A function that echoes its whole event back, with a failing status.
    let mut world = World::new(|_, _| Answer::Status(500));
    world.drive(&mut run);
    let events: Vec<Value> = world
        .calls
        .iter()
        .map(|(_, request)| serde_json::from_slice(&request.payload).unwrap())
        .collect();
    assert_eq!(
        events[0]["headers"]["authorization"],
        format!("Bearer {TOKEN}")
    );
    assert_eq!(events[0]["headers"]["x-plain"], "p");
    assert_eq!(events[0]["rawQueryString"], "key=k%201%2F2");
    assert_eq!(events[0]["queryStringParameters"]["key"], "k 1/2");
    assert_eq!(events[1]["headers"]["x-api-key"], "k 1/2");

    // Now a function whose failing answer carries everything it was sent.
    let mut run = self::run();
    run.resolve_secret(&ssm(), Ok(format!("Bearer {TOKEN}")));
    run.resolve_secret(&api(), Ok("k 1/2".into()));
    let mut answers = Vec::new();
    while let prehook_engine::Action::Invoke { id, request } = run.poll(std::time::Duration::ZERO) {
        answers.push((id, request));
    }
    for (id, request) in answers {
        let event = String::from_utf8(request.payload).unwrap();
        let body = json!({"statusCode": 500, "body": event}).to_string();
        let response = InvokeResponse {
            function_error: None,
            payload: body.into_bytes(),
        };
        run.on_response(id, std::time::Duration::from_millis(5), &response);
    }
    let records: Vec<String> = run.drain_attempts().map(|a| format!("{:?}", a)).collect();
    let everything = format!("{records:?} {:?} {:?}", run.results(), run.summary());
    assert!(
        everything.contains("[redacted ssm:/prod/token]"),
        "{everything}"
    );
    for leaked in [TOKEN, "tok-7f3a", "k 1/2", "k%201%2F2"] {
        assert!(!everything.contains(leaked), "{leaked} in {everything}");
    }
}

#[test]
fn a_reference_that_could_not_be_read_fails_its_checks_unsent() {
    let mut run = run();
    run.resolve_secret(&ssm(), Ok("token-value-1".into()));
    run.resolve_secret(
        &api(),
        Err(Error::SecretStore(
            "ResourceNotFoundException: Secrets Manager can't find the specified secret.".into(),
        )),
    );
    let mut world = World::scripted(&[Answer::Status(200)]);
    world.drive(&mut run);
    // Only GET /c is sent: the other two need the secret; none is retried.
    let sent: Vec<&str> = world
        .calls
        .iter()
        .map(|(_, r)| r.function.as_str())
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let results = run.results();
    assert_eq!(
        results
            .iter()
            .map(|r| (r.passed, r.attempts))
            .collect::<Vec<_>>(),
        [(false, 1), (false, 1), (true, 1)]
    );
    assert_eq!(
        results[0].reason.as_deref(),
        Some(
            "cannot read secret secretsManager:prod/api#k: ResourceNotFoundException: Secrets Manager can't find the specified secret."
        )
    );
    let summary = run.summary();
    assert!(!summary.passed);
    assert_eq!(summary.failed, 2);
    assert!(
        summary
            .reason
            .unwrap()
            .starts_with("svc-dev-web:3 GET /a: cannot read secret")
    );
}

#[test]
fn a_reference_never_resolved_fails_closed() {
    let mut run = run();
    run.resolve_secret(&api(), Ok("key-value-2".into()));
    let mut world = World::scripted(&[Answer::Status(200)]);
    world.drive(&mut run);
    assert_eq!(world.calls.len(), 2, "GET /b and GET /c");
    assert_eq!(
        run.results()[0].reason.as_deref(),
        Some("secret ssm:/prod/token was not resolved before the checks started")
    );
}

#[test]
fn a_short_value_does_not_break_judging_and_is_still_hidden() {
    let mut run = run();
    run.resolve_secret(&ssm(), Ok("ok".into()));
    run.resolve_secret(&api(), Ok("key-value-3".into()));
    // Answers `{"statusCode":200,"body":"ok"}` then 500 with the same body.
    let mut world = World::new(|_, n| Answer::Status(if n < 3 { 200 } else { 500 }));
    world.drive(&mut run);
    assert!(run.summary().passed, "{:?}", run.summary());
}
