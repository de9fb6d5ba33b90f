//! Time: slow versions, retries after a cold start, and a deadline that arrives mid-check.

use std::time::{Duration, Instant};

use prehook_hook::{Settings, Status};
use prehook_localaws::Reply;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn a_version_slower_than_the_check_timeout_fails() {
    let env = Env::start(&[("website-dev-website", "3")]).await;
    env.lambda.reply(
        "website-dev-website",
        Some("3"),
        Reply::http(200, "late").after(Duration::from_secs(4)),
    );
    let config = json!({"functions": {"website-dev-website": {"event": "apigateway", "retries": 0, "timeout": 1, "checks": ["GET /"]}}});
    let hook = env.hook(config, fast_settings()).await;

    let started = Instant::now();
    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

    assert_eq!(verdict.status, Status::Failed);
    assert_eq!(
        verdict.reason.as_deref(),
        Some("website-dev-website:3 GET /: no answer within 1000 ms")
    );
    assert_eq!(env.reported_once().status, "Failed");
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_check_that_fails_once_then_passes_succeeds_on_retry() {
    let env = Env::start(&[("website-dev-website", "3")]).await;
    env.lambda.reply(
        "website-dev-website",
        Some("3"),
        Reply::http(200, "Welcome"),
    );
    // A cold start answering 503 once.
    env.lambda.script(
        "website-dev-website",
        Some("3"),
        Reply::http(503, "warming up"),
    );
    let config = json!({"functions": {"website-dev-website": {"event": "apigateway", "retries": 2, "timeout": 2, "checks": ["GET /"]}}});
    let hook = env.hook(config, fast_settings()).await;

    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

    assert_eq!((verdict.status, verdict.failed), (Status::Succeeded, 0));
    assert_eq!(env.reported_once().status, "Succeeded");
    assert_eq!(env.lambda.calls().len(), 2);
}

#[tokio::test]
async fn retries_are_bounded_by_the_configured_count() {
    let env = Env::start(&[("website-dev-website", "3")]).await;
    env.lambda.reply(
        "website-dev-website",
        Some("3"),
        Reply::http(502, "bad gateway"),
    );
    let config = json!({"functions": {"website-dev-website": {"event": "apigateway", "retries": 2, "timeout": 2, "checks": ["GET /"]}}});
    let hook = env.hook(config, fast_settings()).await;

    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

    assert_eq!(verdict.status, Status::Failed);
    assert_eq!(env.reported_once().status, "Failed");
    assert_eq!(env.lambda.calls().len(), 3, "one attempt and two retries");
}

#[tokio::test]
async fn a_throttled_invoke_is_retried_by_the_sdk() {
    let env = Env::start(&[("website-dev-website", "3")]).await;
    env.lambda
        .reply("website-dev-website", Some("3"), Reply::http(200, "ok"));
    env.lambda
        .script("website-dev-website", Some("3"), Reply::too_many_requests());
    let config = json!({"functions": {"website-dev-website": {"event": "apigateway", "retries": 0, "timeout": 5, "checks": ["GET /"]}}});
    let hook = env.hook(config, fast_settings()).await;

    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

    assert_eq!(verdict.status, Status::Succeeded, "{verdict:?}");
    assert_eq!(env.reported_once().status, "Succeeded");
    assert_eq!(env.lambda.calls().len(), 2);
}

#[tokio::test]
async fn a_deadline_reached_while_checks_run_reports_failed_in_time() {
    let env = Env::start(&[("website-dev-website", "3"), ("website-dev-api", "8")]).await;
    env.lambda
        .reply("website-dev-website", Some("3"), Reply::http(200, "fast"));
    env.lambda.reply(
        "website-dev-api",
        Some("8"),
        Reply::http(200, "slow").after(Duration::from_secs(30)),
    );
    let config = json!({"functions": {
        "website-dev-website": {"event": "apigateway", "retries": 0, "timeout": 60, "checks": ["GET /"]},
        "website-dev-api": {"event": "apigateway", "retries": 0, "timeout": 60, "checks": ["GET /slow"]},
    }});
    let settings = Settings {
        reserve: Duration::from_millis(1500),
        ..fast_settings()
    };
    let hook = env.hook(config, settings).await;

    let deadline = Instant::now() + Duration::from_secs(3);
    let verdict = hook.handle(&event(), deadline).await.unwrap();

    assert_eq!(verdict.status, Status::Failed);
    assert_eq!(
        verdict.reason.as_deref(),
        Some("deadline reached with checks still running: website-dev-api:8 GET /slow")
    );
    assert_eq!((verdict.checks, verdict.failed), (2, 1));
    let report = env.reported_once();
    assert_eq!(report.status, "Failed");
    assert!(
        report.at < deadline,
        "reported {:?} after the deadline",
        report.at - deadline
    );
}
