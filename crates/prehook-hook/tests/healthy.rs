//! Healthy versions pass: one function, several functions at once, HTTP and raw events.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine;
use prehook_hook::Status;
use prehook_localaws::Reply;
use serde_json::{Value, json};
use tokio::sync::Barrier;

use crate::support::*;

#[tokio::test]
async fn a_healthy_version_succeeds_and_only_that_version_is_invoked() {
    let env = Env::start(&[("website-dev-website", "4")]).await;
    env.lambda
        .function("website-dev-website", Some("4"), |call| async move {
            let event = call.json();
            match event["path"].as_str() {
                Some("/healthcheck") => {
                    Reply::output(&json!({"statusCode": 200, "body": "{\"status\":\"ok\"}"}))
                }
                Some("/") => Reply::http(200, "<h1>Welcome to our site</h1>"),
                _ => Reply::http(404, "not found"),
            }
        });
    let config = http_config(
        "website-dev-website",
        "apigateway",
        json!(["GET /healthcheck", {"request": "GET /", "expect": {"bodyContains": "Welcome"}}]),
    );
    let hook = env.hook(config, fast_settings()).await;

    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

    assert_eq!(
        (verdict.status, verdict.checks, verdict.failed),
        (Status::Succeeded, 2, 0)
    );
    assert_eq!(env.reported_once().status, "Succeeded");
    let calls = env.lambda.calls();
    assert_eq!(calls.len(), 2);
    for call in &calls {
        assert_eq!(call.qualifier.as_deref(), Some("4"), "never $LATEST");
        let event = call.json();
        assert!(
            event["headers"]["User-Agent"]
                .as_str()
                .unwrap()
                .starts_with("serverless-prehook/")
        );
        assert!(
            call.client_context.is_none(),
            "HTTP checks send no client context"
        );
    }
}

#[tokio::test]
async fn several_functions_are_checked_concurrently_and_unlisted_ones_are_left_alone() {
    let functions = [("svc-dev-a", "2"), ("svc-dev-b", "7"), ("svc-dev-c", "3")];
    let env = Env::start(&functions).await;
    // Each invoke waits at the barrier for the other five: if the hook invoked them one after
    // another, the first would wait alone and answer 503. No clock is read, so a loaded
    // machine cannot fail this test, only a hook that does not run the checks concurrently.
    let all_six = Arc::new(Barrier::new(6));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most_in_flight = Arc::new(AtomicUsize::new(0));
    for (name, version) in functions {
        let (all_six, in_flight, most_in_flight) =
            (all_six.clone(), in_flight.clone(), most_in_flight.clone());
        env.lambda.function(name, Some(version), move |_| {
            let (all_six, in_flight, most_in_flight) =
                (all_six.clone(), in_flight.clone(), most_in_flight.clone());
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                most_in_flight.fetch_max(now, Ordering::SeqCst);
                // Below the checks' 5 s timeout, so a lone invoke fails with a readable 503.
                let met = tokio::time::timeout(Duration::from_secs(4), all_six.wait())
                    .await
                    .is_ok();
                in_flight.fetch_sub(1, Ordering::SeqCst);
                Reply::output(&json!({"statusCode": if met { 204 } else { 503 }}))
            }
        });
    }
    env.lambda.reply(
        "svc-dev-unlisted",
        None,
        Reply::http(200, "should not be called"),
    );
    let mut functions_config = serde_json::Map::new();
    for (name, _) in functions.iter().copied().chain([("svc-dev-unlisted", "")]) {
        functions_config.insert(
            name.into(),
            json!({"event": "httpapi", "retries": 0, "timeout": 5, "checks": ["GET /health", "GET /ready"]}),
        );
    }
    let hook = env
        .hook(json!({"functions": functions_config}), fast_settings())
        .await;

    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

    assert_eq!(
        (verdict.status, verdict.checks),
        (Status::Succeeded, 6),
        "{verdict:?}"
    );
    assert_eq!(env.reported_once().status, "Succeeded");
    assert_eq!(most_in_flight.load(Ordering::SeqCst), 6);
    assert!(env.lambda.calls_of("svc-dev-unlisted").is_empty());
    for (name, version) in functions {
        let calls = env.lambda.calls_of(name);
        assert_eq!(calls.len(), 2, "{name}");
        assert!(
            calls
                .iter()
                .all(|c| c.qualifier.as_deref() == Some(version))
        );
        // HTTP API events carry the path where lambda_http and Mangum look for it.
        let paths: Vec<Value> = calls.iter().map(|c| c.json()["rawPath"].clone()).collect();
        assert!(paths.contains(&json!("/health")) && paths.contains(&json!("/ready")));
    }
}

#[tokio::test]
async fn a_raw_worker_gets_its_payload_and_a_client_context() {
    let env = Env::start(&[("svc-dev-worker", "9")]).await;
    env.lambda
        .function("svc-dev-worker", Some("9"), |call| async move {
            if call.json() == json!({"ping": true}) {
                Reply::output(&json!("pong"))
            } else {
                Reply::output(&json!("what?"))
            }
        });
    let config = json!({"functions": {"svc-dev-worker": {"key": "worker", "event": "raw", "retries": 0, "timeout": 2,
        "checks": [{"payload": {"ping": true}, "expect": {"outputContains": "pong"}}]}}});
    let hook = env.hook(config, fast_settings()).await;

    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

    assert_eq!(verdict.status, Status::Succeeded);
    assert_eq!(env.reported_once().status, "Succeeded");
    let call = &env.lambda.calls()[0];
    let context = base64::engine::general_purpose::STANDARD
        .decode(call.client_context.as_deref().unwrap())
        .unwrap();
    let context: Value = serde_json::from_slice(&context).unwrap();
    assert_eq!(
        context["custom"]["serverless-prehook"],
        prehook_core::VERSION
    );
}

#[tokio::test]
async fn the_appspec_may_come_as_yaml_in_a_string_revision() {
    let env = Env::start(&[]).await;
    env.codedeploy.add_deployment_with(
        DEPLOYMENT,
        prehook_localaws::Deployment {
            application_name: APPLICATION.into(),
            appspec: "version: 0.0\nresources:\n  - Fn:\n      type: AWS::Lambda::Function\n      properties:\n        name: svc-dev-api\n        alias: Live\n        targetVersion: 12\nhooks:\n  - beforeAllowTraffic: website-dev-prehook\n".into(),
            style: prehook_localaws::RevisionStyle::String,
        },
    );
    env.lambda
        .reply("svc-dev-api", Some("12"), Reply::http(200, "ok"));
    let hook = env
        .hook(
            http_config("svc-dev-api", "alb", json!(["GET /"])),
            fast_settings(),
        )
        .await;

    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

    assert_eq!(verdict.status, Status::Succeeded, "{verdict:?}");
    assert_eq!(env.reported_once().status, "Succeeded");
    assert_eq!(env.lambda.calls()[0].qualifier.as_deref(), Some("12"));
}
