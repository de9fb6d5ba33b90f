//! Pre- and post-traffic: each hook function serves the lifecycle event its own configuration
//! names (`PREHOOK_LIFECYCLE_EVENT`), runs that list when the AppSpec names it as that event's
//! hook, and fails closed on any other wiring; a deploy that skips the checks on purpose reports
//! Succeeded without invoking anything.

use std::time::Duration;

use prehook_hook::{Status, lifecycle};
use prehook_localaws::Reply;
use prehook_localaws::codedeploy::{GET_APPLICATION_REVISION, GET_DEPLOYMENT, PUT_STATUS};
use serde_json::{Value, json};

use crate::support::*;

const WEBSITE: &str = "website-dev-website";
/// The post-traffic hook function; [`HOOK_FUNCTION`] is the pre-traffic one.
const POST_HOOK: &str = "website-dev-prehookPost";

/// An environment whose AppSpec moves the website to version 5 with `hooks`, the website
/// answering 200 on `/healthcheck` and `/smoke` and 500 on `/broken`.
async fn website_env(hooks: Value) -> Env {
    let env = Env::start(&[]).await;
    let appspec = json!({
        "version": 0.0,
        "Resources": [{"WebsiteLambdaFunction": {"Type": "AWS::Lambda::Function",
            "Properties": {"Name": WEBSITE, "Alias": "Live", "CurrentVersion": "4", "TargetVersion": "5"}}}],
        "Hooks": hooks,
    });
    env.codedeploy
        .add_deployment(DEPLOYMENT, APPLICATION, &appspec.to_string());
    env.lambda.function(WEBSITE, Some("5"), |call| async move {
        match call.json()["path"].as_str() {
            Some("/broken") => Reply::http(500, "broken"),
            _ => Reply::http(200, "ok"),
        }
    });
    env
}

/// The two hook functions, as `afterTraffic` wires them.
fn two_hooks() -> Value {
    json!([{"BeforeAllowTraffic": HOOK_FUNCTION}, {"AfterAllowTraffic": POST_HOOK}])
}

fn website_config(after_traffic: Value) -> Value {
    json!({"functions": {WEBSITE: {"key": "website", "event": "apigateway", "retries": 0, "timeout": 2,
        "checks": ["GET /healthcheck"], "afterTraffic": after_traffic}}})
}

/// The post-traffic hook function: its own name and `PREHOOK_LIFECYCLE_EVENT=AfterAllowTraffic`.
async fn post_hook(env: &Env, config: Value) -> SdkHook {
    let mut hook = env.hook(config, fast_settings()).await;
    hook.function_name = Some(POST_HOOK.into());
    hook.serves = lifecycle::serves(Some("AfterAllowTraffic"));
    hook
}

fn paths_sent(env: &Env) -> Vec<String> {
    let mut paths: Vec<String> = env
        .lambda
        .calls_of(WEBSITE)
        .iter()
        .map(|c| c.json()["path"].as_str().unwrap_or_default().to_owned())
        .collect();
    paths.sort();
    paths
}

/// The CodeDeploy operations called, in order: the hook reads the AppSpec and reports, and asks
/// CodeDeploy nothing else (no deployment targets).
fn codedeploy_calls(env: &Env) -> Vec<String> {
    env.codedeploy
        .calls()
        .into_iter()
        .map(|c| c.operation)
        .collect()
}

#[tokio::test]
async fn the_pre_traffic_hook_runs_the_checks_and_reads_nothing_but_the_appspec() {
    let env = website_env(two_hooks()).await;
    let hook = env
        .hook(website_config(json!(["GET /smoke"])), fast_settings())
        .await;

    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

    assert_eq!((verdict.status, verdict.checks), (Status::Succeeded, 1));
    assert_eq!(paths_sent(&env), ["/healthcheck"]);
    assert_eq!(env.reported_once().status, "Succeeded");
    assert_eq!(
        codedeploy_calls(&env),
        [GET_DEPLOYMENT, GET_APPLICATION_REVISION, PUT_STATUS]
    );
}

#[tokio::test]
async fn the_post_traffic_hook_runs_the_after_traffic_checks() {
    let env = website_env(two_hooks()).await;
    let hook = post_hook(
        &env,
        website_config(json!(["GET /smoke", "GET /healthcheck?after=1"])),
    )
    .await;

    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

    assert_eq!((verdict.status, verdict.checks), (Status::Succeeded, 2));
    assert_eq!(paths_sent(&env), ["/healthcheck", "/smoke"]);
    let calls = env.lambda.calls_of(WEBSITE);
    assert!(
        calls
            .iter()
            .any(|c| c.json()["queryStringParameters"]["after"] == "1"),
        "the afterTraffic list ran, not `checks`"
    );
    assert!(calls.iter().all(|c| c.qualifier.as_deref() == Some("5")));
    assert_eq!(env.reported_once().status, "Succeeded");
    assert_eq!(
        codedeploy_calls(&env),
        [GET_DEPLOYMENT, GET_APPLICATION_REVISION, PUT_STATUS]
    );
}

#[tokio::test]
async fn a_failing_after_traffic_check_fails_the_after_allow_traffic_event() {
    let env = website_env(two_hooks()).await;
    let hook = post_hook(&env, website_config(json!(["GET /broken"]))).await;

    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

    assert_eq!((verdict.status, verdict.failed), (Status::Failed, 1));
    assert_eq!(
        verdict.reason.as_deref(),
        Some("website-dev-website:5 GET /broken: expected status 200-399, got 500")
    );
    assert_eq!(paths_sent(&env), ["/broken"]);
    assert_eq!(env.reported_once().status, "Failed");
}

#[tokio::test]
async fn a_hook_named_by_arn_is_recognised() {
    // SAM names hooks by ARN, possibly qualified.
    let arn = |name: &str| format!("arn:aws:lambda:us-east-1:123456789012:function:{name}:live");
    let env = website_env(
        json!([{"BeforeAllowTraffic": arn(HOOK_FUNCTION)}, {"AfterAllowTraffic": arn(POST_HOOK)}]),
    )
    .await;
    let hook = post_hook(&env, website_config(json!(["GET /smoke"]))).await;

    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

    assert_eq!(verdict.status, Status::Succeeded, "{verdict:?}");
    assert_eq!(paths_sent(&env), ["/smoke"]);
}

#[tokio::test]
async fn a_hook_the_appspec_does_not_name_for_its_event_fails_closed_without_invoking_anything() {
    let pre = "website-dev-prehook serves BeforeAllowTraffic (PREHOOK_LIFECYCLE_EVENT=BeforeAllowTraffic)";
    let post = "website-dev-prehookPost serves AfterAllowTraffic (PREHOOK_LIFECYCLE_EVENT=AfterAllowTraffic)";
    let cases = [
        // Another function is the pre-traffic hook.
        (
            json!([{"BeforeAllowTraffic": "someone-elses-hook"}]),
            false,
            format!("{pre}, but the AppSpec does not name it as the BeforeAllowTraffic hook (its hooks: BeforeAllowTraffic someone-elses-hook)"),
        ),
        // The post-traffic hook function invoked as the pre-traffic hook.
        (
            json!([{"BeforeAllowTraffic": POST_HOOK}]),
            true,
            format!("{post}, but the AppSpec does not name it as the AfterAllowTraffic hook (its hooks: BeforeAllowTraffic website-dev-prehookPost); it names website-dev-prehookPost as the BeforeAllowTraffic hook instead: set PREHOOK_LIFECYCLE_EVENT=BeforeAllowTraffic on it"),
        ),
        // No hooks at all: nothing says this function is wanted.
        (
            json!([]),
            true,
            format!("{post}, but the AppSpec does not name it as the AfterAllowTraffic hook (it names no hooks)"),
        ),
        // The single-function wiring of earlier versions: one function named for both events.
        (
            json!([{"BeforeAllowTraffic": HOOK_FUNCTION}, {"AfterAllowTraffic": HOOK_FUNCTION}]),
            false,
            "the AppSpec names website-dev-prehook as both the BeforeAllowTraffic and the AfterAllowTraffic hook, and one hook function serves one event (PREHOOK_LIFECYCLE_EVENT=BeforeAllowTraffic): make a second function of the same code the AfterAllowTraffic hook, with PREHOOK_LIFECYCLE_EVENT=AfterAllowTraffic".to_owned(),
        ),
    ];
    for (hooks, as_post, reason) in cases {
        let env = website_env(hooks).await;
        let config = website_config(json!(["GET /smoke"]));
        let hook = if as_post {
            post_hook(&env, config).await
        } else {
            env.hook(config, fast_settings()).await
        };

        let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

        assert_eq!(verdict.status, Status::Failed);
        assert_eq!(
            verdict.reason.as_deref(),
            Some(format!("wiring error in deployment {DEPLOYMENT}: {reason}").as_str())
        );
        assert!(env.lambda.calls().is_empty(), "nothing is invoked");
        assert_eq!(env.reported_once().status, "Failed");
    }
}

#[tokio::test]
async fn an_invalid_lifecycle_event_setting_fails_every_deployment_with_its_reason() {
    let env = website_env(two_hooks()).await;
    let mut hook = env
        .hook(website_config(json!(["GET /smoke"])), fast_settings())
        .await;
    hook.serves = lifecycle::serves(Some("AllowTraffic"));

    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

    assert_eq!(
        verdict.reason.as_deref(),
        Some(
            "PREHOOK_LIFECYCLE_EVENT: expected BeforeAllowTraffic or AfterAllowTraffic, got \"AllowTraffic\""
        )
    );
    assert_eq!(env.reported_once().status, "Failed");
    assert!(env.lambda.calls().is_empty());
}

#[tokio::test]
async fn the_post_traffic_hook_of_a_function_without_after_traffic_checks_fails_closed() {
    let env = website_env(two_hooks()).await;
    let config = http_config(WEBSITE, "apigateway", json!(["GET /healthcheck"]));
    let hook = post_hook(&env, config).await;

    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

    assert_eq!(verdict.status, Status::Failed);
    assert_eq!(
        verdict.reason.as_deref(),
        Some(
            "no afterTraffic checks configured for function website-dev-website (this is its AfterAllowTraffic hook)"
        )
    );
    assert!(env.lambda.calls().is_empty());
}

#[tokio::test]
async fn a_skip_reports_succeeded_for_either_hook_without_reading_or_invoking_anything() {
    for post in [false, true] {
        let env = website_env(two_hooks()).await;
        let mut config = website_config(json!(["GET /broken"]));
        config["skip"] = json!({"reason": "hotfix #123, approved by X", "setting": "PREHOOK_SKIP"});
        let hook = if post {
            post_hook(&env, config).await
        } else {
            env.hook(config, fast_settings()).await
        };

        let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

        assert_eq!(
            (verdict.status, verdict.checks, verdict.reason.as_deref()),
            (
                Status::Succeeded,
                0,
                Some("checks skipped: hotfix #123, approved by X (set by PREHOOK_SKIP)")
            )
        );
        assert_eq!(env.reported_once().status, "Succeeded");
        assert!(env.lambda.calls().is_empty());
        assert_eq!(codedeploy_calls(&env), [PUT_STATUS]);
    }
}
