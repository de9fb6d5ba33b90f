//! Shared setup: local endpoints, SDK clients pointed at them, and the hook under test.

use std::time::{Duration, Instant};

use aws_lambda_events::event::codedeploy::CodeDeployLifecycleEvent;
use prehook_core::HookConfig;
use prehook_engine::Backoff;
use prehook_hook::{Error, Hook, Settings, Verdict};
use prehook_localaws::{LocalCodeDeploy, LocalLambda, StatusReport};
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

impl Env {
    /// Endpoints with one deployment whose AppSpec moves `functions` (name, target version).
    pub async fn start(functions: &[(&str, &str)]) -> Self {
        // The hook's JSON lines go to the harness's capture: shown only for a failing test.
        prehook_hook::log::send_to(|line| println!("{line}"));
        let codedeploy = LocalCodeDeploy::start().await.unwrap();
        codedeploy.add_deployment(DEPLOYMENT, APPLICATION, &appspec(functions));
        let lambda = LocalLambda::start().await.unwrap();
        Self { codedeploy, lambda }
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
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_sdk_codedeploy::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_codedeploy::config::Credentials::new(
                "test", "test", None, None, "tests",
            ))
            .load()
            .await;
        let codedeploy = aws_sdk_codedeploy::config::Builder::from(&sdk)
            .endpoint_url(self.codedeploy.url())
            .build();
        let lambda = aws_sdk_lambda::config::Builder::from(&sdk)
            .endpoint_url(self.lambda.url())
            .build();
        Hook {
            codedeploy: aws_sdk_codedeploy::Client::from_conf(codedeploy),
            lambda: aws_sdk_lambda::Client::from_conf(lambda),
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

/// A config with one HTTP function and its checks.
pub fn http_config(function: &str, event: &str, checks: Value) -> Value {
    json!({"functions": {function: {"key": "website", "event": event, "retries": 0, "timeout": 2, "checks": checks}}})
}
