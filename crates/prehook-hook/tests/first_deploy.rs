//! The first-deploy gate: the hook answering CloudFormation's `Custom::PrehookFirstDeploy`
//! with the real SDK against local Lambda endpoints, its response PUT to a local stand-in for
//! the pre-signed S3 URL, over HTTP with the hook's own HTTPS client stack.

use std::time::{Duration, Instant};

use prehook_engine::{InvokeRequest, InvokeResponse};
use prehook_hook::aws::{AwsError, LambdaApi};
use prehook_hook::custom_resource::{HttpsUploader, ResponseStatus};
use prehook_hook::first_deploy::AliasApi;
use prehook_hook::{Error, Hook};
use prehook_localaws::{LocalResponseUrl, Reply};
use serde_json::{Value, json};

use crate::support::*;

const VERSION: &str = "1";

fn config(checks: Value) -> Value {
    http_config(GATE_FUNCTION, "apigateway", checks)
}

struct Gate {
    env: Env,
    responses: LocalResponseUrl,
}

impl Gate {
    async fn start() -> Self {
        Self {
            env: Env::start(&[]).await,
            responses: LocalResponseUrl::start().await.unwrap(),
        }
    }

    async fn answer(
        &self,
        config: Value,
        request_type: &str,
    ) -> prehook_hook::first_deploy::Answer {
        let hook = self.env.hook(config, fast_settings()).await;
        let event = gate_event(request_type, &self.responses.url(), VERSION);
        hook.handle_custom_resource(
            &event,
            &HttpsUploader::new(),
            Instant::now() + Duration::from_secs(20),
        )
        .await
        .unwrap()
    }
}

#[tokio::test]
async fn a_new_alias_s_healthy_version_passes_its_checks_and_the_create_succeeds() {
    let gate = Gate::start().await;
    gate.env.lambda.reply(
        GATE_FUNCTION,
        Some(VERSION),
        Reply::http(200, "<h1>Welcome</h1>"),
    );

    let answer = gate
        .answer(config(json!(["GET /healthcheck"])), "Create")
        .await;

    assert_eq!(answer.status, ResponseStatus::Success);
    let response = responded_once(&gate.responses);
    assert_eq!(response["Status"], "SUCCESS");
    assert_eq!(
        response["Reason"],
        "alias Live of website-dev-website is new: version 1 passed 1 check"
    );
    assert_eq!(
        response["PhysicalResourceId"],
        "prehook-first-deploy:website-dev-website:Live"
    );
    assert_eq!(response["RequestId"], "Create-request-1");
    assert_eq!(response["LogicalResourceId"], GATE_LOGICAL_ID);
    assert!(
        response["StackId"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:cloudformation:")
    );
    // The pre-signed URL signs an empty Content-Type.
    assert_eq!(
        gate.responses.uploads()[0].content_type.as_deref(),
        Some("")
    );
    assert_eq!(
        gate.env.lambda.alias_calls(),
        vec![(GATE_FUNCTION.to_owned(), GATE_ALIAS.to_owned())]
    );
    let calls = gate.env.lambda.calls_of(GATE_FUNCTION);
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].qualifier.as_deref(),
        Some(VERSION),
        "the new version, never $LATEST"
    );
    assert_eq!(calls[0].json()["path"], "/healthcheck");
}

/// The gate runs checks the way CodeDeploy's hook does (`Hook::run_checks`): a check's secret
/// reference is read and sent. Guards the first version of the gate, which planned its own run
/// and sent checks with their references unread.
#[tokio::test]
async fn a_new_alias_s_checks_read_their_secret_references() {
    let gate = Gate::start().await;
    gate.env
        .secrets
        .secure_parameter("/website/token", "Bearer s3cr3t-gate");
    gate.env.lambda.reply(
        GATE_FUNCTION,
        Some(VERSION),
        Reply::http(200, "<h1>Welcome</h1>"),
    );

    let checks = json!([{"request": {"path": "/healthcheck",
        "headers": {"Authorization": {"ssm": "/website/token"}}}}]);
    let answer = gate.answer(config(checks), "Create").await;

    assert_eq!(answer.status, ResponseStatus::Success);
    let calls = gate.env.lambda.calls_of(GATE_FUNCTION);
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].json()["headers"]["Authorization"],
        "Bearer s3cr3t-gate"
    );
}

#[tokio::test]
async fn a_new_alias_s_broken_version_fails_the_create_with_the_checks_reasons() {
    let gate = Gate::start().await;
    gate.env
        .lambda
        .reply(GATE_FUNCTION, Some(VERSION), Reply::http(500, "broken"));

    let answer = gate
        .answer(config(json!(["GET /", "GET /healthcheck"])), "Create")
        .await;

    assert_eq!(
        (answer.status, answer.checks, answer.failed),
        (ResponseStatus::Failed, 2, 2)
    );
    let response = responded_once(&gate.responses);
    assert_eq!(response["Status"], "FAILED");
    assert_eq!(
        response["Reason"],
        "alias Live of website-dev-website is new, and version 1 failed its checks: website-dev-website:1 GET /: expected status 200-399, got 500; website-dev-website:1 GET /healthcheck: expected status 200-399, got 500"
    );
    // A failed Create keeps a physical id: CloudFormation's rollback deletes by it.
    assert_eq!(
        response["PhysicalResourceId"],
        "prehook-first-deploy:website-dev-website:Live"
    );
}

#[tokio::test]
async fn an_existing_alias_leaves_the_version_to_codedeploy() {
    let gate = Gate::start().await;
    gate.env.lambda.alias(GATE_FUNCTION, GATE_ALIAS, "7");
    gate.env
        .lambda
        .reply(GATE_FUNCTION, None, Reply::http(500, "broken"));

    let answer = gate.answer(config(json!(["GET /"])), "Update").await;

    assert_eq!(answer.status, ResponseStatus::Success);
    let response = responded_once(&gate.responses);
    assert_eq!(
        response["Reason"],
        "alias Live of website-dev-website exists (version 7): CodeDeploy checks version 1 before it shifts traffic"
    );
    assert_eq!(
        response["PhysicalResourceId"],
        "prehook-first-deploy:website-dev-website:Live"
    );
    assert!(gate.env.lambda.calls().is_empty(), "nothing invoked");
}

#[tokio::test]
async fn an_update_to_an_alias_that_does_not_exist_yet_is_checked() {
    // A renamed alias (deploymentSettings.alias: Live -> Prod) is a new alias too.
    let gate = Gate::start().await;
    gate.env
        .lambda
        .reply(GATE_FUNCTION, Some(VERSION), Reply::http(503, "down"));

    let answer = gate.answer(config(json!(["GET /"])), "Update").await;

    assert_eq!(answer.status, ResponseStatus::Failed);
    assert_eq!(responded_once(&gate.responses)["Status"], "FAILED");
    assert_eq!(gate.env.lambda.calls().len(), 1);
}

#[tokio::test]
async fn a_delete_always_succeeds_and_calls_nothing() {
    let gate = Gate::start().await;
    // Even with a config the hook cannot read: a rollback must never be blocked by the gate.
    let hook = gate
        .env
        .hook_with(Err(Error::ConfigMissing { tried: vec![] }), fast_settings())
        .await;
    let event = gate_event("Delete", &gate.responses.url(), VERSION);

    let answer = hook
        .handle_custom_resource(
            &event,
            &HttpsUploader::new(),
            Instant::now() + Duration::from_secs(20),
        )
        .await
        .unwrap();

    assert_eq!(answer.status, ResponseStatus::Success);
    let response = responded_once(&gate.responses);
    assert_eq!(response["Status"], "SUCCESS");
    assert_eq!(
        response["PhysicalResourceId"],
        "prehook-first-deploy:website-dev-website:Live"
    );
    assert!(gate.env.lambda.alias_calls().is_empty());
    assert!(gate.env.lambda.calls().is_empty());
}

#[tokio::test]
async fn skipped_checks_let_the_new_alias_through_and_say_so() {
    let gate = Gate::start().await;
    let mut skipped = config(json!(["GET /"]));
    skipped["skip"] = json!({"reason": "hotfix #123", "setting": "PREHOOK_SKIP"});

    let answer = gate.answer(skipped, "Create").await;

    assert_eq!(answer.status, ResponseStatus::Success);
    assert_eq!(
        responded_once(&gate.responses)["Reason"],
        "checks skipped: hotfix #123 (set by PREHOOK_SKIP)"
    );
    assert!(gate.env.lambda.calls().is_empty());
}

#[tokio::test]
async fn a_function_without_checks_and_an_unreadable_config_fail_closed() {
    let gate = Gate::start().await;
    let answer = gate
        .answer(
            http_config("website-dev-other", "apigateway", json!(["GET /"])),
            "Create",
        )
        .await;
    assert_eq!(answer.status, ResponseStatus::Failed);
    assert_eq!(
        answer.reason,
        "no checks configured for function website-dev-website"
    );

    let other = Gate::start().await;
    let hook = other
        .env
        .hook_with(
            Err(Error::ConfigMissing {
                tried: vec!["prehook.json".into()],
            }),
            fast_settings(),
        )
        .await;
    let event = gate_event("Create", &other.responses.url(), VERSION);
    let answer = hook
        .handle_custom_resource(
            &event,
            &HttpsUploader::new(),
            Instant::now() + Duration::from_secs(20),
        )
        .await
        .unwrap();
    assert_eq!(answer.status, ResponseStatus::Failed);
    assert!(
        responded_once(&other.responses)["Reason"]
            .as_str()
            .unwrap()
            .starts_with("invalid checks config: no checks config found"),
    );
}

#[tokio::test]
async fn a_request_the_hook_cannot_read_is_still_answered() {
    let gate = Gate::start().await;
    let hook = gate
        .env
        .hook(config(json!(["GET /"])), fast_settings())
        .await;
    let mut event = gate_event("Create", &gate.responses.url(), "$LATEST");
    event.as_object_mut().unwrap().remove("RequestId");

    let answer = hook
        .handle_custom_resource(
            &event,
            &HttpsUploader::new(),
            Instant::now() + Duration::from_secs(20),
        )
        .await
        .unwrap();

    assert_eq!(answer.status, ResponseStatus::Failed);
    let response = responded_once(&gate.responses);
    assert!(
        response["Reason"]
            .as_str()
            .unwrap()
            .starts_with("not a CloudFormation custom resource request: missing field `RequestId`"),
        "{response}"
    );

    let latest = Gate::start().await;
    let hook = latest
        .env
        .hook(config(json!(["GET /"])), fast_settings())
        .await;
    let event = gate_event("Create", &latest.responses.url(), "$LATEST");
    let answer = hook
        .handle_custom_resource(
            &event,
            &HttpsUploader::new(),
            Instant::now() + Duration::from_secs(20),
        )
        .await
        .unwrap();
    assert_eq!(
        answer.reason,
        "Version `$LATEST` is not a published version: the gate checks the version the alias will point at"
    );
    assert!(latest.env.lambda.calls().is_empty());
}

/// Panics inside checking must end in a FAILED response, never in silence.
struct PanickingLambda;

impl LambdaApi for PanickingLambda {
    async fn invoke(&self, _: InvokeRequest) -> Result<InvokeResponse, AwsError> {
        panic!("bug in an invoke path")
    }
}

impl AliasApi for PanickingLambda {
    async fn alias_version(&self, _: &str, _: &str) -> Result<Option<String>, AwsError> {
        Ok(None)
    }
}

#[tokio::test]
async fn a_panic_while_checking_is_answered_failed() {
    let gate = Gate::start().await;
    let real = gate
        .env
        .hook(config(json!(["GET /"])), fast_settings())
        .await;
    let hook = Hook {
        codedeploy: real.codedeploy,
        lambda: PanickingLambda,
        secrets: real.secrets,
        serves: real.serves,
        config: real.config,
        settings: real.settings,
        function_name: real.function_name,
    };
    let event = gate_event("Create", &gate.responses.url(), VERSION);

    let answer = hook
        .handle_custom_resource(
            &event,
            &HttpsUploader::new(),
            Instant::now() + Duration::from_secs(20),
        )
        .await
        .unwrap();

    assert_eq!(answer.status, ResponseStatus::Failed);
    assert_eq!(
        responded_once(&gate.responses)["Reason"],
        "internal error while checking: bug in an invoke path"
    );
}
