//! The built `bootstrap` binary, run as Lambda runs it, through `prehook-localaws`'s rehearsal.

use std::path::PathBuf;
use std::time::Duration;

use prehook_localaws::rehearse::{Options, rehearse};
use prehook_localaws::{LocalLambda, Reply, RuntimeResult};
use serde_json::json;

fn write_config(name: &str, config: &serde_json::Value) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("prehook-bootstrap-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("prehook.json");
    std::fs::write(&path, config.to_string()).unwrap();
    path
}

fn options(config: PathBuf, lambda: &LocalLambda) -> Options {
    Options {
        bootstrap: PathBuf::from(env!("CARGO_BIN_EXE_bootstrap")),
        config,
        function: "website-dev-website".into(),
        version: "4".into(),
        alias: "Live".into(),
        current_version: Some("3".into()),
        lambda_endpoint: lambda.url(),
        timeout: Duration::from_secs(30),
        event: "BeforeAllowTraffic".into(),
        hook_function: PRE_HOOK.into(),
        hook_env: vec![env("BeforeAllowTraffic")],
        hooks: vec![
            ("BeforeAllowTraffic".into(), PRE_HOOK.into()),
            ("AfterAllowTraffic".into(), POST_HOOK.into()),
        ],
    }
}

/// The two hook functions the plugin deploys for a function with `afterTraffic`.
const PRE_HOOK: &str = "website-dev-preHook";
const POST_HOOK: &str = "website-dev-preHookPost";

/// The environment the plugin gives the hook function of `event`.
fn env(event: &str) -> (String, String) {
    ("PREHOOK_LIFECYCLE_EVENT".into(), event.into())
}

fn website_config() -> serde_json::Value {
    json!({"functions": {"website-dev-website": {"key": "website", "event": "apigateway", "retries": 1, "timeout": 3,
        "checks": ["GET /healthcheck", {"request": "GET /", "expect": {"bodyContains": "Welcome"}}]}}})
}

#[tokio::test]
async fn the_binary_reports_succeeded_for_a_healthy_version() {
    let lambda = LocalLambda::start().await.unwrap();
    lambda.function("website-dev-website", Some("4"), |call| async move {
        match call.json()["path"].as_str() {
            Some("/healthcheck") => Reply::http(200, "{\"status\":\"ok\"}"),
            _ => Reply::http(200, "<h1>Welcome to our site</h1>"),
        }
    });
    let config = write_config("healthy", &website_config());

    let rehearsal = rehearse(&options(config, &lambda), |_| {}).await.unwrap();

    assert_eq!(
        rehearsal.status.as_deref(),
        Some("Succeeded"),
        "{rehearsal:?}"
    );
    assert_eq!(rehearsal.reports, 1);
    assert_eq!(
        rehearsal.attempts.len(),
        2,
        "one log line per check attempt"
    );
    for attempt in &rehearsal.attempts {
        assert_eq!(attempt["passed"], true);
        assert_eq!(attempt["version"], "4");
        assert_eq!(attempt["key"], "website");
        assert_eq!(attempt["status"], 200);
    }
    let verdict = rehearsal.verdict.as_ref().unwrap();
    assert_eq!(
        (verdict["status"].as_str(), verdict["checks"].as_u64()),
        (Some("Succeeded"), Some(2))
    );
    assert!(
        matches!(rehearsal.result, Some(RuntimeResult::Response(_))),
        "{:?}",
        rehearsal.result
    );
    assert_eq!(rehearsal.verdict_line(), "verdict: Succeeded");
}

#[tokio::test]
async fn the_binary_reports_failed_for_a_broken_version() {
    let lambda = LocalLambda::start().await.unwrap();
    lambda.reply(
        "website-dev-website",
        Some("4"),
        Reply::http(500, "Internal Server Error"),
    );
    let config = write_config("broken", &website_config());

    let rehearsal = rehearse(&options(config, &lambda), |_| {}).await.unwrap();

    assert_eq!(rehearsal.status.as_deref(), Some("Failed"));
    assert_eq!(rehearsal.reports, 1);
    assert_eq!(rehearsal.attempts.len(), 4, "two checks, each retried once");
    assert!(rehearsal.verdict_line().starts_with("verdict: Failed (website-dev-website:4 GET /healthcheck: expected status 200-399, got 500"), "{}", rehearsal.verdict_line());
}

#[tokio::test]
async fn the_binary_reports_failed_when_its_config_is_invalid() {
    let lambda = LocalLambda::start().await.unwrap();
    let config = write_config(
        "invalid",
        &json!({"functions": {"website-dev-website": {"event": "soap"}}}),
    );

    let rehearsal = rehearse(&options(config, &lambda), |_| {}).await.unwrap();

    assert_eq!(rehearsal.status.as_deref(), Some("Failed"));
    assert_eq!(rehearsal.reports, 1);
    assert!(
        rehearsal
            .reason()
            .unwrap()
            .starts_with("invalid checks config: "),
        "{:?}",
        rehearsal.reason()
    );
    assert!(lambda.calls().is_empty());
}

#[tokio::test]
async fn the_binary_runs_the_after_traffic_checks_as_the_after_allow_traffic_hook() {
    let lambda = LocalLambda::start().await.unwrap();
    lambda.function("website-dev-website", Some("4"), |call| async move {
        match call.json()["path"].as_str() {
            Some("/smoke") => Reply::http(503, "still warming up"),
            _ => Reply::http(200, "<h1>Welcome to our site</h1>"),
        }
    });
    let mut config = website_config();
    config["functions"]["website-dev-website"]["afterTraffic"] = json!(["GET /smoke"]);
    let config = write_config("after-traffic", &config);
    let mut lines = Vec::new();

    let before = rehearse(&options(config.clone(), &lambda), |_| {})
        .await
        .unwrap();
    let after = rehearse(
        &Options {
            event: "AfterAllowTraffic".into(),
            hook_function: POST_HOOK.into(),
            hook_env: vec![env("AfterAllowTraffic")],
            ..options(config, &lambda)
        },
        |line| lines.push(line.to_owned()),
    )
    .await
    .unwrap();

    assert_eq!(before.status.as_deref(), Some("Succeeded"), "{before:?}");
    assert_eq!(before.attempts.len(), 2, "the two pre-traffic checks");
    assert_eq!(after.status.as_deref(), Some("Failed"), "{after:?}");
    assert_eq!(
        after.attempts.len(),
        2,
        "the one post-traffic check, retried once"
    );
    assert!(after.attempts.iter().all(|a| a["check"] == "GET /smoke"));
    assert_eq!(
        after.verdict_line(),
        "verdict: Failed (website-dev-website:4 GET /smoke: expected status 200-399, got 503)"
    );
    let chosen: serde_json::Value = lines
        .iter()
        .find_map(|l| {
            serde_json::from_str(l)
                .ok()
                .filter(|v: &serde_json::Value| v["msg"] == "lifecycle event")
        })
        .expect("a lifecycle event line");
    assert_eq!(chosen["event"], "AfterAllowTraffic");
    assert_eq!(
        chosen["how"],
        "PREHOOK_LIFECYCLE_EVENT=AfterAllowTraffic, and the AppSpec names website-dev-preHookPost as the AfterAllowTraffic hook"
    );
}

#[tokio::test]
async fn the_binary_fails_closed_when_the_appspec_calls_it_for_the_other_event() {
    // The post-traffic hook function invoked as the pre-traffic hook: a deployment wired to the
    // wrong function (or a single function named for both events, as before the split).
    let lambda = LocalLambda::start().await.unwrap();
    lambda.reply("website-dev-website", Some("4"), Reply::http(200, "ok"));
    let config = write_config("wiring", &website_config());

    let rehearsal = rehearse(
        &Options {
            hook_env: vec![env("AfterAllowTraffic")],
            hook_function: PRE_HOOK.into(),
            ..options(config, &lambda)
        },
        |_| {},
    )
    .await
    .unwrap();

    assert_eq!(rehearsal.status.as_deref(), Some("Failed"));
    assert_eq!(
        rehearsal.reason(),
        Some(
            "wiring error in deployment d-REHEARSAL1: website-dev-preHook serves AfterAllowTraffic (PREHOOK_LIFECYCLE_EVENT=AfterAllowTraffic), but the AppSpec does not name it as the AfterAllowTraffic hook (its hooks: BeforeAllowTraffic website-dev-preHook, AfterAllowTraffic website-dev-preHookPost); it names website-dev-preHook as the BeforeAllowTraffic hook instead: set PREHOOK_LIFECYCLE_EVENT=BeforeAllowTraffic on it"
        )
    );
    assert!(lambda.calls().is_empty(), "nothing is invoked");
}

#[tokio::test]
async fn the_binary_says_loudly_that_checks_were_skipped() {
    let lambda = LocalLambda::start().await.unwrap();
    lambda.reply("website-dev-website", Some("4"), Reply::http(500, "broken"));
    let mut config = website_config();
    config["skip"] = json!({"reason": "hotfix #123, approved by X", "setting": "PREHOOK_SKIP"});
    let config = write_config("skip", &config);

    let rehearsal = rehearse(&options(config, &lambda), |_| {}).await.unwrap();

    assert_eq!(rehearsal.status.as_deref(), Some("Succeeded"));
    assert!(lambda.calls().is_empty(), "nothing is invoked");
    let warning: Vec<serde_json::Value> = rehearsal
        .other_lines
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(
        warning,
        [
            json!({"level": "WARN", "msg": "checks skipped", "deploymentId": "d-REHEARSAL1",
            "reason": "hotfix #123, approved by X", "setting": "PREHOOK_SKIP"})
        ]
    );
    let verdict = rehearsal.verdict.as_ref().unwrap();
    assert_eq!(verdict["level"], "INFO");
    assert_eq!(
        verdict["reason"],
        "checks skipped: hotfix #123, approved by X (set by PREHOOK_SKIP)"
    );
    assert_eq!(
        rehearsal.verdict_line(),
        "verdict: Succeeded (checks skipped: hotfix #123, approved by X (set by PREHOOK_SKIP))"
    );
}

/// The binary tells CloudFormation's custom resource request from a CodeDeploy event, checks the
/// new version of an alias that does not exist yet, and uploads the response to the ResponseURL.
#[tokio::test]
async fn the_binary_answers_the_first_deploy_gate_of_a_new_alias() {
    let upstream = LocalLambda::start().await.unwrap();
    upstream.reply(
        "website-dev-website",
        Some("4"),
        Reply::http(500, "{\"status\":\"broken\"}"),
    );
    let config = write_config("first-deploy", &website_config());
    let new_alias = Options {
        current_version: None,
        ..options(config, &upstream)
    };

    let mut lines = Vec::new();
    let rehearsal =
        prehook_localaws::rehearse_first_deploy::rehearse_first_deploy(&new_alias, |line| {
            lines.push(line.to_owned())
        })
        .await
        .unwrap();
    // The pre-signed ResponseURL is a bearer token for the upload: never in the logs.
    assert!(!lines.is_empty());
    assert!(
        lines.iter().all(|l| !l.contains("X-Amz-Signature")),
        "{lines:?}"
    );

    assert_eq!(rehearsal.status(), Some("FAILED"), "{rehearsal:?}");
    assert_eq!(rehearsal.uploads, 1);
    assert_eq!(rehearsal.alias_calls, 1);
    let reason = rehearsal.reason().unwrap();
    assert!(
        reason.starts_with("alias Live of website-dev-website is new, and version 4 failed its checks: website-dev-website:4 GET /healthcheck: expected status 200-399, got 500"),
        "{reason}"
    );
    assert_eq!(
        rehearsal.response.as_ref().unwrap()["PhysicalResourceId"],
        "prehook-first-deploy:website-dev-website:Live"
    );
    assert_eq!(rehearsal.gate.as_ref().unwrap()["status"], "FAILED");
    assert!(
        matches!(rehearsal.result, Some(RuntimeResult::Response(_))),
        "{:?}",
        rehearsal.result
    );

    // With the alias there already, the gate leaves the version to CodeDeploy.
    let config = write_config("first-deploy-existing", &website_config());
    let existing = Options {
        current_version: Some("3".into()),
        ..options(config, &upstream)
    };
    let rehearsal =
        prehook_localaws::rehearse_first_deploy::rehearse_first_deploy(&existing, |_| {})
            .await
            .unwrap();
    assert_eq!(rehearsal.status(), Some("SUCCESS"), "{rehearsal:?}");
    assert!(rehearsal.attempts.is_empty());
}
