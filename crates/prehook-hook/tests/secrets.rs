//! Secret references: the hook reads them from SSM and Secrets Manager (the real SDK against
//! local endpoints) before the checks, sends the values, fails closed with the reference named
//! when one cannot be read, and never writes a value to its logs or a verdict.

use std::process::Stdio;
use std::time::Duration;

use prehook_hook::Status;
use prehook_localaws::secrets::{GET_PARAMETER, GET_SECRET_VALUE};
use prehook_localaws::{LocalRuntime, LocalSecrets, Reply, RuntimeResult};
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;

use crate::support::*;

const FUNCTION: &str = "website-dev-website";
const TOKEN: &str = "tok-SECRET-9f2e41";
const API_KEY: &str = "key-SECRET-c07d3b";

fn checks() -> Value {
    json!([
        {"name": "orders", "request": {"path": "/orders",
            "headers": {"Authorization": {"ssm": "/website/token"}},
            "query": {"api_key": {"secretsManager": "website/api", "key": "key"}}}},
        {"name": "admin", "request": {"path": "/admin",
            "headers": {"X-Api-Key": {"secretsManager": LocalSecrets::secret_arn("website/api"), "key": "key"}}}}
    ])
}

fn store(env: &Env) {
    env.secrets
        .secure_parameter("/website/token", &format!("Bearer {TOKEN}"));
    env.secrets.secret(
        "website/api",
        &json!({"key": API_KEY, "other": "x"}).to_string(),
    );
}

/// Answers 200 only when the request carries the right token and key (as the header, or the
/// query parameter); echoes what it got otherwise.
fn authenticating(env: &Env) {
    env.lambda.function(FUNCTION, Some("4"), |call| async move {
        let event = call.json();
        let token = event["headers"]["authorization"].as_str();
        let key = event["headers"]["x-api-key"]
            .as_str()
            .or(event["queryStringParameters"]["api_key"].as_str());
        match event["rawPath"].as_str() {
            Some("/orders")
                if token == Some(&format!("Bearer {TOKEN}")) && key == Some(API_KEY) =>
            {
                Reply::http(200, "orders")
            }
            Some("/admin") if key == Some(API_KEY) => Reply::http(200, "admin"),
            _ => Reply::http(401, &format!("denied: {event}")),
        }
    });
}

#[tokio::test]
async fn references_are_read_decrypted_and_sent() {
    let env = Env::start(&[(FUNCTION, "4")]).await;
    store(&env);
    authenticating(&env);
    let hook = env
        .hook(http_config(FUNCTION, "httpapi", checks()), fast_settings())
        .await;

    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

    assert_eq!(
        (verdict.status, verdict.checks, verdict.failed),
        (Status::Succeeded, 2, 0),
        "{verdict:?}"
    );
    assert_eq!(env.reported_once().status, "Succeeded");
    // Each reference read once, SecureStrings decrypted, each signed for its own service.
    let calls = env.secrets.calls();
    let ssm: Vec<_> = calls
        .iter()
        .filter(|c| c.operation == GET_PARAMETER)
        .collect();
    assert_eq!(ssm.len(), 1, "{calls:?}");
    assert!(ssm[0].with_decryption);
    assert_eq!(ssm[0].signed_for.as_deref(), Some("ssm"));
    let secrets: Vec<&str> = calls
        .iter()
        .filter(|c| c.operation == GET_SECRET_VALUE)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(secrets.len(), 2, "by name and by ARN: {calls:?}");
    assert!(
        calls
            .iter()
            .filter(|c| c.operation == GET_SECRET_VALUE)
            .all(|c| c.signed_for.as_deref() == Some("secretsmanager"))
    );
}

#[tokio::test]
async fn a_version_that_echoes_the_secret_fails_without_showing_it() {
    let env = Env::start(&[(FUNCTION, "4")]).await;
    store(&env);
    // A function error's message is part of the verdict's reason: here, the whole event.
    env.lambda.function(FUNCTION, Some("4"), |call| async move {
        Reply::function_error("Unhandled", "Error", &format!("got {}", call.json()))
    });
    let hook = env
        .hook(http_config(FUNCTION, "httpapi", checks()), fast_settings())
        .await;

    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

    assert_eq!(verdict.status, Status::Failed);
    let reason = verdict.reason.clone().unwrap();
    assert!(
        reason.contains("function error (Unhandled): Error: got {")
            && reason.contains("[redacted ssm:/website/token]"),
        "{reason}"
    );
    // The functions got the values; the verdict carries none.
    let sent = format!("{:?}", env.lambda.calls());
    assert!(sent.contains(TOKEN) && sent.contains(API_KEY));
    for leaked in [TOKEN, API_KEY] {
        assert!(!format!("{verdict:?}").contains(leaked), "{verdict:?}");
    }
}

#[tokio::test]
async fn a_missing_parameter_fails_closed_naming_it() {
    let env = Env::start(&[(FUNCTION, "4")]).await;
    env.secrets
        .secret("website/api", &json!({"key": API_KEY}).to_string());
    authenticating(&env);
    let hook = env
        .hook(http_config(FUNCTION, "httpapi", checks()), fast_settings())
        .await;

    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

    assert_eq!((verdict.status, verdict.failed), (Status::Failed, 1));
    assert_eq!(env.reported_once().status, "Failed");
    assert_eq!(
        verdict.reason.as_deref(),
        Some(
            "website-dev-website:4 orders: cannot read secret ssm:/website/token: ParameterNotFound (HTTP 400)"
        )
    );
    // The check that needs the parameter is never sent; the other one is.
    let paths: Vec<Value> = env
        .lambda
        .calls()
        .iter()
        .map(|c| c.json()["rawPath"].clone())
        .collect();
    assert_eq!(paths, [json!("/admin")]);
}

#[tokio::test]
async fn access_denied_and_a_missing_key_fail_closed_with_their_reasons() {
    let env = Env::start(&[(FUNCTION, "4")]).await;
    env.secrets
        .secure_parameter("/website/token", &format!("Bearer {TOKEN}"));
    env.secrets
        .secret("website/api", &json!({"other": "x"}).to_string());
    env.secrets.deny("/website/token");
    authenticating(&env);
    let hook = env
        .hook(http_config(FUNCTION, "httpapi", checks()), fast_settings())
        .await;

    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

    assert_eq!((verdict.status, verdict.failed), (Status::Failed, 2));
    let reason = verdict.reason.unwrap();
    assert!(
        reason.contains("orders: cannot read secret ssm:/website/token: AccessDeniedException: User: arn:aws:sts::000000000000:assumed-role/prehook-role/prehook is not authorized to perform: ssm:GetParameter"),
        "{reason}"
    );
    assert!(
        reason.contains("admin: cannot read secret secretsManager:arn:aws:secretsmanager:us-east-1:000000000000:secret:website/api-AbCdEf#key: the secret's JSON has no key \"key\" (its keys: other)"),
        "{reason}"
    );
    assert!(env.lambda.calls().is_empty());
}

#[tokio::test]
async fn a_secret_store_that_never_answers_fails_the_run_in_time() {
    let env = Env::start(&[(FUNCTION, "4")]).await;
    store(&env);
    authenticating(&env);
    for _ in 0..4 {
        env.secrets.script(
            GET_PARAMETER,
            Reply::proceed().after(Duration::from_secs(120)),
        );
    }
    let secrets_timeout = Duration::from_secs(2);
    let settings = prehook_hook::Settings {
        secrets_timeout,
        ..fast_settings()
    };
    let hook = env
        .hook(http_config(FUNCTION, "httpapi", checks()), settings)
        .await;

    let verdict = run(&hook, Duration::from_secs(60)).await.unwrap();

    assert_eq!(verdict.status, Status::Failed);
    assert_eq!(env.reported_once().status, "Failed");
    let reason = verdict.reason.as_deref().unwrap();
    let waited = reason
        .split_once("orders: cannot read secret ssm:/website/token: no answer within ")
        .and_then(|(_, rest)| rest.split_once(" ms"))
        .and_then(|(ms, _)| ms.parse::<u128>().ok())
        .unwrap_or_else(|| panic!("{verdict:?}"));
    // The reads gave up at `secrets_timeout`, not at the run's cutoff near its 60 s deadline
    // (read from the reason, not from a clock: a loaded machine cannot fail this test).
    assert!(waited <= secrets_timeout.as_millis(), "{reason}");
}

/// The built `bootstrap` (the binary Lambda runs) against every local endpoint: nothing it
/// writes, and nothing it returns, carries a secret value, though the version echoes them.
#[tokio::test]
async fn the_bootstrap_never_logs_a_secret_value() {
    let env = Env::start(&[(FUNCTION, "4")]).await;
    store(&env);
    env.lambda.function(FUNCTION, Some("4"), |call| async move {
        Reply::http(500, &format!("broken, got {}", call.json()))
    });
    let config = http_config(FUNCTION, "httpapi", checks());
    let runtime = LocalRuntime::start().await.unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_bootstrap"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", runtime.address())
        .env("AWS_ENDPOINT_URL_CODEDEPLOY", env.codedeploy.url())
        .env("AWS_ENDPOINT_URL_LAMBDA", env.lambda.url())
        .env("AWS_ENDPOINT_URL_SSM", env.secrets.url())
        .env("AWS_ENDPOINT_URL_SECRETS_MANAGER", env.secrets.url())
        .env("AWS_ACCESS_KEY_ID", "AKIAPREHOOKTEST00001")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("RUST_LOG", "trace")
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
    tokio::time::sleep(Duration::from_millis(200)).await;
    child.start_kill().unwrap();
    let (mut stdout, mut stderr) = (String::new(), String::new());
    let mut out = child.stdout.take().unwrap();
    out.read_to_string(&mut stdout).await.unwrap();
    let mut err = child.stderr.take().unwrap();
    err.read_to_string(&mut stderr).await.unwrap();

    assert!(
        matches!(result, Some(RuntimeResult::Response(_))),
        "{result:?}\n{stdout}\n{stderr}"
    );
    assert_eq!(env.reported_once().status, "Failed");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not a JSON line: {l}")))
        .collect();
    let read = lines.iter().find(|l| l["msg"] == "secrets read").unwrap();
    assert_eq!(read["references"].as_array().unwrap().len(), 3, "{read}");
    // The version echoed the values; the attempts show where they were, redacted.
    let attempts: Vec<&Value> = lines
        .iter()
        .filter(|l| l["msg"] == "check attempt")
        .collect();
    assert!(!attempts.is_empty());
    assert!(
        attempts.iter().any(|a| a["excerpt"]
            .as_str()
            .unwrap_or_default()
            .contains("[redacted ssm:/website/token]")),
        "{stdout}"
    );
    let verdict = lines.iter().find(|l| l["msg"] == "verdict").unwrap();
    assert_eq!(verdict["status"], "Failed");
    let everything = format!("{stdout}\n{stderr}\n{result:?}");
    for leaked in [TOKEN, API_KEY] {
        assert!(
            !everything.contains(leaked),
            "{leaked} leaked:\n{everything}"
        );
    }
    assert!(format!("{:?}", env.lambda.calls()).contains(TOKEN));
}
