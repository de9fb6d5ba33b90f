//! Shared setup: local endpoints, SDK clients pointed at them, and the hook under test.

use std::time::{Duration, Instant};

use aws_lambda_events::event::codedeploy::CodeDeployLifecycleEvent;
use prehook_core::HookConfig;
use prehook_engine::Backoff;
use prehook_hook::{Error, Hook, SdkSecrets, Settings, Verdict};
use prehook_localaws::{LocalCodeDeploy, LocalLambda, LocalSecrets, StatusReport};
use serde_json::{Value, json};

pub const DEPLOYMENT: &str = "d-TEST00001";
pub const EXECUTION: &str = "exec-0001";
pub const APPLICATION: &str = "website-dev";
/// The hook's own name, as the AppSpec's `Hooks` name it.
pub const HOOK_FUNCTION: &str = "website-dev-prehook";

pub type SdkHook = Hook<aws_sdk_codedeploy::Client, aws_sdk_lambda::Client>;

pub struct Env {
    pub codedeploy: LocalCodeDeploy,
    pub lambda: LocalLambda,
    /// SSM and Secrets Manager, for checks' secret references.
    pub secrets: LocalSecrets,
}

/// Settings with short backoffs so retries cost tests little time.
pub fn fast_settings() -> Settings {
    Settings {
        backoff: Backoff {
            first: Duration::from_millis(50),
            max: Duration::from_millis(200),
        },
        ..Settings::default()
    }
}

/// What every SDK client of the tests starts from: the hook's own HTTPS stack
/// (`prehook_hook::https`), a region and dummy credentials; each client sets its endpoint.
pub async fn sdk_config() -> aws_config::SdkConfig {
    prehook_hook::https::config_loader()
        .region(aws_sdk_codedeploy::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_codedeploy::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .load()
        .await
}

impl Env {
    /// Endpoints with one deployment whose AppSpec moves `functions` (name, target version).
    pub async fn start(functions: &[(&str, &str)]) -> Self {
        // The hook's JSON lines go to the harness's capture: shown only for a failing test.
        prehook_hook::log::send_to(|line| println!("{line}"));
        let codedeploy = LocalCodeDeploy::start().await.unwrap();
        codedeploy.add_deployment(DEPLOYMENT, APPLICATION, &appspec(functions));
        let lambda = LocalLambda::start().await.unwrap();
        let secrets = LocalSecrets::start().await.unwrap();
        Self {
            codedeploy,
            lambda,
            secrets,
        }
    }

    /// The hook with real SDK clients aimed at the local endpoints.
    pub async fn hook(&self, config: Value, settings: Settings) -> SdkHook {
        let config = HookConfig::from_value(&config).map_err(|errors| Error::ConfigInvalid {
            path: "prehook.json".into(),
            errors,
        });
        self.hook_with(config, settings).await
    }

    pub async fn hook_with(
        &self,
        config: Result<HookConfig, Error>,
        settings: Settings,
    ) -> SdkHook {
        let sdk = sdk_config().await;
        let codedeploy = aws_sdk_codedeploy::config::Builder::from(&sdk)
            .endpoint_url(self.codedeploy.url())
            .build();
        let lambda = aws_sdk_lambda::config::Builder::from(&sdk)
            .endpoint_url(self.lambda.url())
            .build();
        let ssm = aws_sdk_ssm::config::Builder::from(&sdk)
            .endpoint_url(self.secrets.url())
            .build();
        let secrets_manager = aws_sdk_secretsmanager::config::Builder::from(&sdk)
            .endpoint_url(self.secrets.url())
            .build();
        Hook {
            codedeploy: aws_sdk_codedeploy::Client::from_conf(codedeploy),
            lambda: aws_sdk_lambda::Client::from_conf(lambda),
            secrets: SdkSecrets {
                ssm: aws_sdk_ssm::Client::from_conf(ssm),
                secrets_manager: aws_sdk_secretsmanager::Client::from_conf(secrets_manager),
            },
            config,
            settings,
            function_name: Some(HOOK_FUNCTION.into()),
            // The pre-traffic hook, as the plugin deploys it.
            serves: prehook_hook::lifecycle::serves(Some("BeforeAllowTraffic")),
        }
    }

    /// The one status CodeDeploy accepted; fails unless there is exactly one.
    pub fn reported_once(&self) -> StatusReport {
        let reports = self.codedeploy.reports();
        assert_eq!(
            reports.len(),
            1,
            "expected exactly one status report: {reports:?}"
        );
        let report = reports[0].clone();
        assert_eq!(
            (report.deployment_id.as_str(), report.execution_id.as_str()),
            (DEPLOYMENT, EXECUTION)
        );
        report
    }
}

pub fn event() -> CodeDeployLifecycleEvent {
    serde_json::from_value(
        json!({"DeploymentId": DEPLOYMENT, "LifecycleEventHookExecutionId": EXECUTION}),
    )
    .unwrap()
}

/// Runs the hook with `timeout` until its deadline.
pub async fn run(hook: &SdkHook, timeout: Duration) -> Result<Verdict, Error> {
    hook.handle(&event(), Instant::now() + timeout).await
}

/// The AppSpec CloudFormation writes for a canary deployment of `functions`.
pub fn appspec(functions: &[(&str, &str)]) -> String {
    let resources: Vec<Value> = functions
        .iter()
        .enumerate()
        .map(|(i, (name, version))| {
            json!({format!("Function{i}LambdaFunction"): {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Name": name, "Alias": "Live", "CurrentVersion": "1", "TargetVersion": version}
            }})
        })
        .collect();
    json!({"version": 0.0, "Resources": resources, "Hooks": [{"BeforeAllowTraffic": HOOK_FUNCTION}]}).to_string()
}

/// A config with one HTTP function and its checks. A 5 s check timeout: the fault suite runs its
/// cases all at once, beside other builds in `make test`, and a busy machine must not turn an
/// answer that comes in time into a timeout.
pub fn http_config(function: &str, event: &str, checks: Value) -> Value {
    json!({"functions": {function: {"key": "website", "event": event, "retries": 0, "timeout": 5, "checks": checks}}})
}

/// The function the first-deploy gate tests check, and its alias.
pub const GATE_FUNCTION: &str = "website-dev-website";
pub const GATE_ALIAS: &str = "Live";
pub const GATE_LOGICAL_ID: &str = "WebsitePrehookFirstDeploy";

/// The request CloudFormation sends for the first-deploy gate of GATE_FUNCTION at `version`
/// (`Create`, `Update` with the id the Create returned, or `Delete`).
pub fn gate_event(request_type: &str, response_url: &str, version: &str) -> Value {
    let mut event = json!({
        "RequestType": request_type,
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:website-dev-prehook",
        "ResponseURL": response_url,
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/website-dev/1f1e7d20-0000-4000-8000-000000000000",
        "RequestId": format!("{request_type}-request-1"),
        "LogicalResourceId": GATE_LOGICAL_ID,
        "ResourceType": "Custom::PrehookFirstDeploy",
        "ResourceProperties": {
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:website-dev-prehook",
            "FunctionName": GATE_FUNCTION,
            "Version": version,
            "Alias": GATE_ALIAS,
        },
    });
    if request_type != "Create" {
        event["PhysicalResourceId"] =
            json!(format!("prehook-first-deploy:{GATE_FUNCTION}:{GATE_ALIAS}"));
    }
    if request_type == "Update" {
        event["OldResourceProperties"] =
            json!({"FunctionName": GATE_FUNCTION, "Version": "1", "Alias": GATE_ALIAS});
    }
    event
}

/// The one response CloudFormation received; fails unless there is exactly one.
pub fn responded_once(responses: &prehook_localaws::LocalResponseUrl) -> Value {
    let uploads = responses.uploads();
    assert_eq!(
        uploads.len(),
        1,
        "expected exactly one response: {uploads:?}"
    );
    uploads[0].json()
}
