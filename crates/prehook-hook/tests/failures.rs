//! Broken versions fail with the reason, and so do an invalid config and a panic; reported once.

use std::time::Duration;

use prehook_engine::{InvokeRequest, InvokeResponse};
use prehook_hook::aws::{AwsError, LambdaApi};
use prehook_hook::{Hook, Status};
use prehook_localaws::Reply;
use serde_json::json;

use crate::support::*;

async fn verdict_for(reply: Reply, checks: serde_json::Value) -> (Env, prehook_hook::Verdict) {
    let env = Env::start(&[("website-dev-website", "5")]).await;
    env.lambda.reply("website-dev-website", Some("5"), reply);
    let hook = env
        .hook(
            http_config("website-dev-website", "apigateway", checks),
            fast_settings(),
        )
        .await;
    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();
    (env, verdict)
}

#[tokio::test]
async fn a_wrong_status_fails() {
    let (env, verdict) = verdict_for(
        Reply::http(500, "Internal Server Error"),
        json!(["GET /healthcheck"]),
    )
    .await;
    assert_eq!(verdict.status, Status::Failed);
    assert_eq!(
        verdict.reason.as_deref(),
        Some("website-dev-website:5 GET /healthcheck: expected status 200-399, got 500")
    );
    assert_eq!(env.reported_once().status, "Failed");
}

#[tokio::test]
async fn a_body_mismatch_fails() {
    let (env, verdict) = verdict_for(
        Reply::http(200, "<h1>Maintenance</h1>"),
        json!([{"request": "GET /", "expect": {"bodyContains": "Welcome"}}]),
    )
    .await;
    assert_eq!(verdict.status, Status::Failed);
    assert_eq!(
        verdict.reason.as_deref(),
        Some(r#"website-dev-website:5 GET /: body does not contain "Welcome""#)
    );
    assert_eq!(env.reported_once().status, "Failed");
}

#[tokio::test]
async fn an_invalid_config_fails_every_deployment_with_its_error() {
    let env = Env::start(&[("website-dev-website", "5")]).await;
    let hook = env
        .hook(
            json!({"functions": {"x": {"key": "x", "event": "soap", "checks": ["GET /"]}}}),
            fast_settings(),
        )
        .await;

    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

    assert_eq!(verdict.status, Status::Failed);
    assert!(
        verdict
            .reason
            .as_deref()
            .unwrap()
            .starts_with("invalid checks config: prehook.json: functions.x.event")
    );
    assert_eq!(env.reported_once().status, "Failed");
}

/// Panics inside checking must end in a Failed report, never in silence.
struct PanickingLambda;

impl LambdaApi for PanickingLambda {
    async fn invoke(&self, _: InvokeRequest) -> Result<InvokeResponse, AwsError> {
        panic!("bug in an invoke path")
    }
}

#[tokio::test]
async fn a_panic_while_checking_is_reported_as_failed() {
    let env = Env::start(&[("website-dev-website", "5")]).await;
    let real = env
        .hook(
            http_config("website-dev-website", "apigateway", json!(["GET /"])),
            fast_settings(),
        )
        .await;
    let hook = Hook {
        codedeploy: real.codedeploy,
        lambda: PanickingLambda,
        config: real.config,
        settings: real.settings,
        function_name: real.function_name,
        secrets: real.secrets,
        serves: real.serves,
    };

    let verdict = hook
        .handle(
            &event(),
            std::time::Instant::now() + Duration::from_secs(20),
        )
        .await
        .unwrap();

    assert_eq!(verdict.status, Status::Failed);
    assert_eq!(
        verdict.reason.as_deref(),
        Some("internal error while checking: bug in an invoke path")
    );
    assert_eq!(env.reported_once().status, "Failed");
}
