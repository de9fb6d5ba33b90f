//! What the hook must never do: write credentials or whole response bodies to its logs, or
//! invoke a function that is not both in the AppSpec and in its config.

use std::process::Stdio;
use std::time::Duration;

use prehook_hook::Status;
use prehook_localaws::codedeploy::{GET_DEPLOYMENT, PUT_STATUS};
use prehook_localaws::{LocalRuntime, Reply, RuntimeResult};
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;

use crate::support::*;

const ACCESS_KEY: &str = "AKIAPREHOOKLEAKTEST7";
const SECRET_KEY: &str = "prehook-secret-access-key-must-not-leak-3f9a";
const SESSION_TOKEN: &str = "prehook-session-token-must-not-leak-c41e";
/// Sits past the excerpt length in every body the functions return.
const MARKER: &str = "FULL-BODY-MARKER-7d2c";

/// A body whose first `EXCERPT_CHARS` characters are filler, then the marker.
fn long_body() -> String {
    format!(
        "{}{MARKER}{}",
        "a".repeat(prehook_core::evaluate::EXCERPT_CHARS + 50),
        "b".repeat(10_000)
    )
}

#[tokio::test]
async fn the_bootstrap_logs_neither_credentials_nor_whole_bodies() {
    let env = Env::start(&[("svc-dev-website", "4"), ("svc-dev-worker", "9")]).await;
    env.lambda
        .reply("svc-dev-website", Some("4"), Reply::http(500, &long_body()));
    env.lambda.reply(
        "svc-dev-worker",
        Some("9"),
        Reply::function_error("Unhandled", "Error", &long_body()),
    );
    // Error paths log the most: a throttled read, a throttled status call.
    env.codedeploy.script(GET_DEPLOYMENT, Reply::throttling());
    env.codedeploy.script(PUT_STATUS, Reply::service_error(503));
    env.codedeploy.script(PUT_STATUS, Reply::service_error(503));
    env.codedeploy.script(PUT_STATUS, Reply::service_error(503));
    let config = json!({"functions": {
        "svc-dev-website": {"key": "website", "event": "apigateway", "retries": 1, "timeout": 3,
            "checks": ["GET /healthcheck", {"request": "GET /", "expect": {"bodyContains": "Welcome", "bodyMatches": "^<html"}}]},
        "svc-dev-worker": {"key": "worker", "event": "raw", "retries": 0, "timeout": 3,
            "checks": [{"payload": {"ping": true}, "expect": {"outputContains": "pong"}}]},
    }});
    let runtime = LocalRuntime::start().await.unwrap();

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_bootstrap"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", runtime.address())
        .env("AWS_ENDPOINT_URL_CODEDEPLOY", env.codedeploy.url())
        .env("AWS_ENDPOINT_URL_LAMBDA", env.lambda.url())
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("AWS_SESSION_TOKEN", SESSION_TOKEN)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        // The most verbose settings anyone might turn on while debugging.
        .env("RUST_LOG", "trace")
        .env("AWS_LAMBDA_LOG_LEVEL", "TRACE")
        .env("PREHOOK_CONFIG", config.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", HOOK_FUNCTION)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let id = runtime.invoke(
        &json!({"DeploymentId": DEPLOYMENT, "LifecycleEventHookExecutionId": EXECUTION}),
        Duration::from_secs(30),
    );
    let result = runtime.wait_result(&id, Duration::from_secs(40)).await;
    // The log lines of this invocation are written before its result is posted.
    tokio::time::sleep(Duration::from_millis(200)).await;
    child.start_kill().unwrap();
    let (mut stdout, mut stderr) = (String::new(), String::new());
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .await
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .await
        .unwrap();

    assert!(
        matches!(result, Some(RuntimeResult::Response(_))),
        "{result:?}\n{stdout}\n{stderr}"
    );
    assert_eq!(env.reported_once().status, "Failed");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not a JSON line: {l}")))
        .collect();
    let attempts = lines.iter().filter(|l| l["msg"] == "check attempt").count();
    assert_eq!(
        attempts, 5,
        "two website checks tried twice, one worker check"
    );
    assert!(
        lines.iter().any(|l| l["msg"] == "status report failed"),
        "{stdout}"
    );
    let everything = format!("{stdout}\n{stderr}\n{result:?}");
    for secret in [ACCESS_KEY, SECRET_KEY, SESSION_TOKEN, MARKER] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked:\n{everything}"
        );
    }
    // What the functions were sent carries no credential either.
    for call in env.lambda.calls() {
        let sent = format!("{:?} {:?}", call.payload, call.client_context);
        assert!(!sent.contains(SECRET_KEY) && !sent.contains(SESSION_TOKEN));
    }
}

#[tokio::test]
async fn only_functions_in_both_the_appspec_and_the_config_are_invoked() {
    // The AppSpec moves website; the config also knows admin; billing is in neither.
    let env = Env::start(&[("svc-dev-website", "4")]).await;
    for name in ["svc-dev-website", "svc-dev-admin", "svc-dev-billing"] {
        env.lambda.reply(name, None, Reply::http(200, "ok"));
    }
    let config = json!({"functions": {
        "svc-dev-website": {"event": "httpapi", "retries": 0, "timeout": 2, "checks": ["GET /"]},
        "svc-dev-admin": {"event": "httpapi", "retries": 0, "timeout": 2, "checks": ["GET /admin"]},
    }});
    let hook = env.hook(config.clone(), fast_settings()).await;

    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

    assert_eq!(verdict.status, Status::Succeeded);
    let invoked: Vec<(String, Option<String>)> = env
        .lambda
        .calls()
        .into_iter()
        .map(|c| (c.function, c.qualifier))
        .collect();
    assert_eq!(
        invoked,
        [("svc-dev-website".to_owned(), Some("4".to_owned()))]
    );

    // A function of the AppSpec that the config does not know: nothing at all is invoked.
    let env = Env::start(&[("svc-dev-website", "4"), ("svc-dev-billing", "2")]).await;
    for name in ["svc-dev-website", "svc-dev-billing"] {
        env.lambda.reply(name, None, Reply::http(200, "ok"));
    }
    let hook = env.hook(config, fast_settings()).await;

    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

    assert_eq!(verdict.status, Status::Failed);
    assert_eq!(env.reported_once().status, "Failed");
    assert!(env.lambda.calls().is_empty(), "{:?}", env.lambda.calls());
}
