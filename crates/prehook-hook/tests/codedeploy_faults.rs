//! CodeDeploy misbehaving: throttling, errors, already-completed executions, a status that
//! cannot be reported.

use std::time::{Duration, Instant};

use prehook_hook::{Settings, Status};
use prehook_localaws::Reply;
use prehook_localaws::codedeploy::{GET_APPLICATION_REVISION, GET_DEPLOYMENT, PUT_STATUS};
use serde_json::json;

use crate::support::*;

async fn healthy_env() -> Env {
    let env = Env::start(&[("website-dev-website", "6")]).await;
    env.lambda.reply(
        "website-dev-website",
        Some("6"),
        Reply::http(200, "Welcome"),
    );
    env
}

async fn healthy_hook(env: &Env, settings: Settings) -> SdkHook {
    env.hook(
        http_config("website-dev-website", "apigateway", json!(["GET /"])),
        settings,
    )
    .await
}

#[tokio::test]
async fn throttled_api_calls_are_retried() {
    let env = healthy_env().await;
    env.codedeploy.script(GET_DEPLOYMENT, Reply::throttling());
    env.codedeploy
        .script(GET_APPLICATION_REVISION, Reply::service_error(503));
    env.codedeploy.script(PUT_STATUS, Reply::throttling());
    let hook = healthy_hook(&env, fast_settings()).await;

    let verdict = run(&hook, Duration::from_secs(30)).await.unwrap();

    assert_eq!(verdict.status, Status::Succeeded, "{verdict:?}");
    assert_eq!(env.reported_once().status, "Succeeded");
    assert_eq!(env.codedeploy.count(GET_DEPLOYMENT), 2);
    assert_eq!(env.codedeploy.count(GET_APPLICATION_REVISION), 2);
    assert_eq!(env.codedeploy.count(PUT_STATUS), 2);
}

#[tokio::test]
async fn an_already_completed_execution_counts_as_reported() {
    let env = healthy_env().await;
    env.codedeploy.complete_execution(EXECUTION);
    let hook = healthy_hook(&env, fast_settings()).await;

    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

    assert_eq!(verdict.status, Status::Succeeded);
    assert!(
        env.codedeploy.reports().is_empty(),
        "the earlier status stands"
    );
    let puts: Vec<_> = env
        .codedeploy
        .calls()
        .into_iter()
        .filter(|c| c.operation == PUT_STATUS)
        .collect();
    assert_eq!(
        puts.len(),
        1,
        "no retry after LifecycleEventAlreadyCompletedException"
    );
    assert_eq!(puts[0].body["status"], "Succeeded");
}

#[tokio::test]
async fn a_status_that_cannot_be_reported_ends_the_invocation_with_an_error() {
    let env = healthy_env().await;
    for _ in 0..20 {
        env.codedeploy.script(PUT_STATUS, Reply::service_error(500));
    }
    let settings = Settings {
        report_attempts: 2,
        ..fast_settings()
    };
    let hook = healthy_hook(&env, settings).await;

    let error = run(&hook, Duration::from_secs(30)).await.unwrap_err();

    assert!(
        error
            .to_string()
            .starts_with("could not report the status to CodeDeploy: ServiceException"),
        "{error}"
    );
    assert!(env.codedeploy.reports().is_empty());
    // Two attempts of ours, each retried by the SDK (3 attempts in its standard mode).
    assert_eq!(env.codedeploy.count(PUT_STATUS), 6);
}

#[tokio::test]
async fn an_unknown_deployment_is_reported_as_failed_where_possible() {
    let env = healthy_env().await;
    env.codedeploy.script(
        GET_DEPLOYMENT,
        Reply::aws_error(400, "DeploymentDoesNotExistException", "gone"),
    );
    let hook = healthy_hook(&env, fast_settings()).await;

    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

    assert_eq!(
        verdict.reason.as_deref(),
        Some("cannot read deployment d-TEST00001: DeploymentDoesNotExistException: gone")
    );
    assert_eq!(env.reported_once().status, "Failed");
    assert!(env.lambda.calls().is_empty());
}

#[tokio::test]
async fn a_malformed_answer_fails_the_deployment() {
    let env = healthy_env().await;
    env.codedeploy
        .script(GET_DEPLOYMENT, Reply::malformed_json());
    let hook = healthy_hook(&env, fast_settings()).await;

    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

    assert_eq!(verdict.status, Status::Failed);
    assert!(
        verdict
            .reason
            .as_deref()
            .unwrap()
            .starts_with("cannot read deployment d-TEST00001: "),
        "{verdict:?}"
    );
    assert_eq!(env.reported_once().status, "Failed");
}

#[tokio::test]
async fn a_deployment_read_slower_than_the_deadline_is_reported_failed_in_time() {
    let env = healthy_env().await;
    env.codedeploy.script(
        GET_DEPLOYMENT,
        Reply::proceed().after(Duration::from_secs(30)),
    );
    let settings = Settings {
        reserve: Duration::from_secs(1),
        ..fast_settings()
    };
    let hook = healthy_hook(&env, settings).await;

    let deadline = Instant::now() + Duration::from_secs(2);
    let verdict = hook.handle(&event(), deadline).await.unwrap();

    assert_eq!(
        verdict.reason.as_deref(),
        Some(
            "deadline reached before the checks could start (reading the deployment took too long)"
        )
    );
    let report = env.reported_once();
    assert_eq!(report.status, "Failed");
    assert!(report.at < deadline);
}
