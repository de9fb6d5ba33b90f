//! The world every hook under test sees: local CodeDeploy, Lambda Invoke and Runtime API
//! endpoints, deployments whose AppSpec moves functions to a new version, and those functions
//! answering `GET /healthcheck` with 200.

use std::io;
use std::time::Duration;

use prehook_localaws::{LocalCodeDeploy, LocalLambda, LocalRuntime, Reply};
use serde_json::{Map, Value, json};

/// The version every AppSpec moves to; the functions answer only when invoked with it.
pub const TARGET_VERSION: &str = "2";
pub const CURRENT_VERSION: &str = "1";
pub const HEALTHCHECK_PATH: &str = "/healthcheck";
/// The hook invocation's deadline, as Lambda's function timeout: long enough for a peer
/// checking 50 functions one after the other.
pub const HOOK_TIMEOUT: Duration = Duration::from_secs(300);

pub struct Endpoints {
    pub codedeploy: LocalCodeDeploy,
    pub lambda: LocalLambda,
    pub runtime: LocalRuntime,
}

impl Endpoints {
    pub async fn start() -> io::Result<Self> {
        Ok(Self {
            codedeploy: LocalCodeDeploy::start().await?,
            lambda: LocalLambda::start().await?,
            runtime: LocalRuntime::start().await?,
        })
    }

    /// A deployment of `application` moving `functions` to [`TARGET_VERSION`]; each function
    /// answers its health check after `delay`.
    pub fn deploy(
        &self,
        deployment_id: &str,
        application: &str,
        functions: &[String],
        delay: Duration,
    ) {
        self.codedeploy
            .add_deployment(deployment_id, application, &appspec(functions));
        for function in functions {
            self.lambda.reply(
                function,
                Some(TARGET_VERSION),
                Reply::output(&json!({
                    "statusCode": 200,
                    "headers": {"content-type": "application/json"},
                    "body": "{\"status\":\"ok\"}",
                }))
                .after(delay),
            );
        }
    }

    /// Queues the CodeDeploy hook event Lambda would deliver for `deployment_id`.
    pub fn invoke_hook(&self, deployment_id: &str, execution_id: &str) -> String {
        self.runtime
            .invoke(&hook_event(deployment_id, execution_id), HOOK_TIMEOUT)
    }
}

pub fn hook_event(deployment_id: &str, execution_id: &str) -> Value {
    json!({"DeploymentId": deployment_id, "LifecycleEventHookExecutionId": execution_id})
}

/// `count` distinct function names with a common prefix.
pub fn function_names(prefix: &str, count: usize) -> Vec<String> {
    (0..count).map(|i| format!("{prefix}-{i}")).collect()
}

/// The AppSpec as CloudFormation writes it for a Lambda deployment: JSON, one resource per function.
pub fn appspec(functions: &[String]) -> String {
    let resources: Vec<Value> = functions
        .iter()
        .enumerate()
        .map(|(i, name)| {
            json!({format!("Function{i}LambdaFunction"): {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Name": name,
                    "Alias": "Live",
                    "CurrentVersion": CURRENT_VERSION,
                    "TargetVersion": TARGET_VERSION,
                },
            }})
        })
        .collect();
    json!({
        "version": 0.0,
        "Resources": resources,
        "Hooks": [{"BeforeAllowTraffic": "bench-hook"}],
    })
    .to_string()
}

/// Our hook's `prehook.json` for the same job as the peers: `GET /healthcheck` must answer 2xx,
/// API Gateway REST (v1) events, the default retries and timeout.
pub fn ours_config(functions: &[String]) -> Value {
    let functions: Map<String, Value> = functions
        .iter()
        .map(|name| {
            (
                name.clone(),
                json!({"key": name, "event": "apigateway", "checks": [format!("GET {HEALTHCHECK_PATH}")]}),
            )
        })
        .collect();
    json!({ "functions": functions })
}

#[cfg(test)]
mod tests {
    use super::*;
    use prehook_core::{AppSpec, HookConfig};

    #[test]
    fn appspec_names_every_function_and_the_target_version() {
        let spec = AppSpec::parse(&appspec(&function_names("bench-fn", 3))).unwrap();
        assert_eq!(spec.resources.len(), 3);
        assert_eq!(spec.resources[2].name, "bench-fn-2");
        assert_eq!(spec.resources[2].target_version, TARGET_VERSION);
    }

    #[test]
    fn our_config_checks_the_health_path_of_every_function() {
        let config = HookConfig::from_value(&ours_config(&function_names("f", 2))).unwrap();
        assert_eq!(config.functions.len(), 2);
        assert_eq!(config.functions["f-1"].checks.len(), 1);
    }
}
