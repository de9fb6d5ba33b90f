//! Pre- and post-traffic: the hook works out which lifecycle event it serves and runs that list;
//! a deploy that skips the checks on purpose reports Succeeded without invoking anything.

use std::time::Duration;

use prehook_hook::Status;
use prehook_localaws::codedeploy::{
    BATCH_GET_DEPLOYMENT_TARGETS, GET_APPLICATION_REVISION, GET_DEPLOYMENT, LIST_DEPLOYMENT_TARGETS,
};
use prehook_localaws::{LambdaTarget, Reply};
use serde_json::{Value, json};

use crate::support::*;

const WEBSITE: &str = "website-dev-website";

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

/// Both hooks name the hook itself, as `afterTraffic` makes them.
fn both_hooks() -> Value {
    json!([{"BeforeAllowTraffic": HOOK_FUNCTION}, {"AfterAllowTraffic": HOOK_FUNCTION}])
}

fn website_config(after_traffic: Value) -> Value {
    json!({"functions": {WEBSITE: {"key": "website", "event": "apigateway", "retries": 0, "timeout": 2,
        "checks": ["GET /healthcheck"], "afterTraffic": after_traffic}}})
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

#[tokio::test]
async fn the_same_hook_runs_the_pre_traffic_checks_while_before_allow_traffic_is_in_progress() {
    let env = website_env(both_hooks()).await;
    env.codedeploy.set_targets(
        DEPLOYMENT,
        vec![LambdaTarget::during(WEBSITE, "BeforeAllowTraffic")],
    );
    let hook = env
        .hook(website_config(json!(["GET /smoke"])), fast_settings())
        .await;

    let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

    assert_eq!((verdict.status, verdict.checks), (Status::Succeeded, 1));
    assert_eq!(paths_sent(&env), ["/healthcheck"]);
    assert_eq!(env.reported_once().status, "Succeeded");
    assert_eq!(env.codedeploy.count(LIST_DEPLOYMENT_TARGETS), 1);
    assert_eq!(env.codedeploy.count(BATCH_GET_DEPLOYMENT_TARGETS), 1);
    // The reported status ends the event, as CodeDeploy's own state would show it.
    let events = &env.codedeploy.targets(DEPLOYMENT)[0].lifecycle_events;
    assert_eq!(events[0], ("BeforeAllowTraffic".into(), "Succeeded".into()));
}

#[tokio::test]
async fn the_same_hook_runs_the_after_traffic_checks_while_after_allow_traffic_is_in_progress() {
    let env = website_env(both_hooks()).await;
    env.codedeploy.set_targets(
        DEPLOYMENT,
        vec![LambdaTarget::during(WEBSITE, "AfterAllowTraffic")],
    );
    let hook = env
        .hook(
            website_config(json!(["GET /smoke", "GET /healthcheck?after=1"])),
            fast_settings(),
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
}

#[tokio::test]
async fn a_failing_after_traffic_check_fails_the_after_allow_traffic_event() {
    let env = website_env(both_hooks()).await;
    env.codedeploy.set_targets(
        DEPLOYMENT,
        vec![LambdaTarget::during(WEBSITE, "AfterAllowTraffic")],
    );
    let hook = env
        .hook(website_config(json!(["GET /broken"])), fast_settings())
        .await;

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
async fn a_hook_named_for_one_event_only_asks_codedeploy_nothing_more() {
    // SAM names hooks by ARN, possibly qualified; the pre-traffic-only setups of every user
    // must keep working with the three CodeDeploy permissions they always had.
    for (hooks, expected) in [
        (
            json!([{"BeforeAllowTraffic": HOOK_FUNCTION}]),
            "/healthcheck",
        ),
        (
            json!([{"AfterAllowTraffic": format!("arn:aws:lambda:us-east-1:123456789012:function:{HOOK_FUNCTION}:live")},
                   {"BeforeAllowTraffic": "someone-elses-pre-hook"}]),
            "/smoke",
        ),
    ] {
        let env = website_env(hooks).await;
        env.codedeploy.script(
            LIST_DEPLOYMENT_TARGETS,
            Reply::aws_error(400, "AccessDeniedException", "not allowed"),
        );
        let hook = env
            .hook(website_config(json!(["GET /smoke"])), fast_settings())
            .await;

        let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

        assert_eq!(verdict.status, Status::Succeeded, "{verdict:?}");
        assert_eq!(paths_sent(&env), [expected]);
        assert_eq!(env.codedeploy.count(LIST_DEPLOYMENT_TARGETS), 0);
    }
}

#[tokio::test]
async fn a_hook_that_cannot_tell_its_event_fails_closed_without_invoking_anything() {
    // No target shows either event in progress; then the targets cannot be read at all.
    let cases: [(Option<Reply>, &str); 2] = [
        (
            None,
            "cannot tell which hook website-dev-prehook is called as: the AppSpec names it for BeforeAllowTraffic and AfterAllowTraffic, and CodeDeploy shows none of them in progress (website-dev-website BeforeAllowTraffic: Succeeded, website-dev-website AllowTraffic: Succeeded, website-dev-website AfterAllowTraffic: Succeeded)",
        ),
        (
            Some(Reply::aws_error(
                400,
                "AccessDeniedException",
                "not authorized to perform: codedeploy:ListDeploymentTargets",
            )),
            "cannot tell which hook website-dev-prehook is called as: the AppSpec names it for BeforeAllowTraffic and AfterAllowTraffic, and the deployment's targets cannot be read (codedeploy:ListDeploymentTargets, codedeploy:BatchGetDeploymentTargets): AccessDeniedException: not authorized to perform: codedeploy:ListDeploymentTargets",
        ),
    ];
    for (fault, reason) in cases {
        let env = website_env(both_hooks()).await;
        let mut done = LambdaTarget::during(WEBSITE, "none");
        for event in &mut done.lifecycle_events {
            event.1 = "Succeeded".into();
        }
        env.codedeploy.set_targets(DEPLOYMENT, vec![done]);
        if let Some(fault) = fault {
            env.codedeploy.script(LIST_DEPLOYMENT_TARGETS, fault);
        }
        let hook = env
            .hook(website_config(json!(["GET /smoke"])), fast_settings())
            .await;

        let verdict = run(&hook, Duration::from_secs(20)).await.unwrap();

        assert_eq!(verdict.status, Status::Failed);
        assert_eq!(verdict.reason.as_deref(), Some(reason));
        assert!(env.lambda.calls().is_empty(), "nothing is invoked");
        assert_eq!(env.reported_once().status, "Failed");
    }
}

#[tokio::test]
async fn an_event_in_progress_a_moment_late_is_waited_for() {
    let env = website_env(both_hooks()).await;
    // Every event still Pending: CodeDeploy has not marked the hook's event yet.
    env.codedeploy
        .set_targets(DEPLOYMENT, vec![LambdaTarget::during(WEBSITE, "none")]);
    let hook = env
        .hook(website_config(json!(["GET /smoke"])), fast_settings())
        .await;
    let codedeploy = &env.codedeploy;

    let (verdict, ()) = tokio::join!(run(&hook, Duration::from_secs(20)), async {
        while codedeploy.count(LIST_DEPLOYMENT_TARGETS) < 2 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        codedeploy.set_targets(
            DEPLOYMENT,
            vec![LambdaTarget::during(WEBSITE, "BeforeAllowTraffic")],
        );
    });

    assert_eq!(verdict.unwrap().status, Status::Succeeded);
    assert_eq!(paths_sent(&env), ["/healthcheck"]);
    assert!(env.codedeploy.count(LIST_DEPLOYMENT_TARGETS) >= 2);
}

#[tokio::test]
async fn the_post_traffic_hook_of_a_function_without_after_traffic_checks_fails_closed() {
    let env = website_env(both_hooks()).await;
    env.codedeploy.set_targets(
        DEPLOYMENT,
        vec![LambdaTarget::during(WEBSITE, "AfterAllowTraffic")],
    );
    let config = http_config(WEBSITE, "apigateway", json!(["GET /healthcheck"]));
    let hook = env.hook(config, fast_settings()).await;

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
async fn a_skip_reports_succeeded_for_either_event_without_reading_or_invoking_anything() {
    for event in ["BeforeAllowTraffic", "AfterAllowTraffic"] {
        let env = website_env(both_hooks()).await;
        env.codedeploy
            .set_targets(DEPLOYMENT, vec![LambdaTarget::during(WEBSITE, event)]);
        let mut config = website_config(json!(["GET /broken"]));
        config["skip"] = json!({"reason": "hotfix #123, approved by X", "setting": "PREHOOK_SKIP"});
        let hook = env.hook(config, fast_settings()).await;

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
        for operation in [
            GET_DEPLOYMENT,
            GET_APPLICATION_REVISION,
            LIST_DEPLOYMENT_TARGETS,
        ] {
            assert_eq!(env.codedeploy.count(operation), 0, "{operation}");
        }
    }
}
