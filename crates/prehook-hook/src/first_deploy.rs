//! The first-deploy gate: the hook answering `Custom::PrehookFirstDeploy`, the custom resource
//! the plugin puts before each checked function's alias (crates/prehook-core
//! `transform/first_deploy.rs` builds it).
//!
//! CodeDeploy runs the hook only when an alias that exists moves to a new version. When the
//! alias does not exist yet (the stack's first deploy, or the first with `prehook`), this gate
//! runs the function's pre-traffic checks on the new version during the CloudFormation deploy,
//! with the same engine, and answers FAILED with their reasons: the stack rolls back before the
//! alias, and so anything routing traffic to it, exists. When the alias exists it answers
//! SUCCESS at once and leaves the version to CodeDeploy. A Delete is always a SUCCESS: the
//! gate leaves nothing behind to delete.
//!
//! As with CodeDeploy, every path ends in exactly one answer before the deadline: errors and
//! panics are FAILED, checks still running at the deadline reserve fail the deploy.

use std::future::Future;
use std::time::{Duration, Instant};

use prehook_core::LifecycleEvent;
use prehook_engine::Target;
use serde_json::{Value, json};

use crate::aws::{AwsError, CodeDeployApi, LambdaApi, describe};
use crate::custom_resource::{
    self, NotSent, Request, RequestType, ResponseStatus, ResponseUploader, SendSettings,
};
use crate::error::Error;
use crate::handler::{Hook, unless_panic};
use crate::log;
use crate::secrets::SecretsApi;

/// Longest wait for GetAlias: past it the checks run anyway.
const ALIAS_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether an alias exists, as the gate needs to know it.
pub trait AliasApi: Send + Sync {
    /// The version `alias` of `function` points at, or `None` when there is no such alias.
    fn alias_version(
        &self,
        function: &str,
        alias: &str,
    ) -> impl Future<Output = Result<Option<String>, AwsError>> + Send;
}

impl AliasApi for aws_sdk_lambda::Client {
    async fn alias_version(&self, function: &str, alias: &str) -> Result<Option<String>, AwsError> {
        match self
            .get_alias()
            .function_name(function)
            .name(alias)
            .send()
            .await
        {
            Ok(output) => Ok(Some(
                output.function_version().unwrap_or_default().to_owned(),
            )),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(error) => Err(describe(error)),
        }
    }
}

/// What the gate answered, once CloudFormation has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: ResponseStatus,
    pub reason: String,
    pub physical_resource_id: String,
    /// Checks run and failed (0 when none ran).
    pub checks: usize,
    pub failed: usize,
}

/// The gate's decision, before it is sent.
struct Decision {
    status: ResponseStatus,
    reason: String,
    checks: usize,
    failed: usize,
}

impl Decision {
    fn success(reason: impl Into<String>) -> Self {
        Self {
            status: ResponseStatus::Success,
            reason: reason.into(),
            checks: 0,
            failed: 0,
        }
    }

    fn failed(reason: impl Into<String>) -> Self {
        Self {
            status: ResponseStatus::Failed,
            reason: reason.into(),
            checks: 0,
            failed: 0,
        }
    }
}

/// The gate's properties: every value is a string, as CloudFormation passes them.
struct Gate {
    function: String,
    version: String,
    alias: String,
}

impl Gate {
    fn read(request: &Request) -> Result<Self, Error> {
        let property = |name: &'static str| {
            request
                .property(name)
                .filter(|v| !v.is_empty())
                .ok_or(Error::GateProperty(name))
        };
        let gate = Self {
            function: property("FunctionName")?,
            version: property("Version")?,
            alias: property("Alias")?,
        };
        if !gate.version.chars().all(|c| c.is_ascii_digit()) {
            return Err(Error::GateVersion(gate.version));
        }
        Ok(gate)
    }
}

/// The id CloudFormation keeps for the gate: the one it was created with, for ever after (a new
/// id would make CloudFormation replace the resource and send a Delete for the old one).
fn physical_resource_id(request: &Request) -> String {
    if let Some(id) = request
        .physical_resource_id
        .as_ref()
        .filter(|id| !id.is_empty())
    {
        return id.clone();
    }
    match (request.property("FunctionName"), request.property("Alias")) {
        (Some(function), Some(alias)) => format!("prehook-first-deploy:{function}:{alias}"),
        _ => format!("prehook-first-deploy:{}", request.logical_resource_id),
    }
}

impl<C: CodeDeployApi, L: LambdaApi + AliasApi, S: SecretsApi> Hook<C, L, S> {
    /// Answers one custom resource request whose invocation ends at `deadline`; `Ok` once
    /// CloudFormation has the answer.
    pub async fn handle_custom_resource<U: ResponseUploader>(
        &self,
        event: &Value,
        uploader: &U,
        deadline: Instant,
    ) -> Result<Answer, NotSent> {
        let request = Request::read(event);
        let start = Instant::now();
        let cutoff = self.cutoff(start, deadline);
        let decision = if request.request_type == RequestType::Delete {
            Decision::success("nothing to delete: the gate only checks a version")
        } else {
            match unless_panic(self.decide_gate(&request, start, cutoff)).await {
                Ok(decision) => decision,
                Err(panicked) => Decision::failed(panicked.to_string()),
            }
        };
        let answer = Answer {
            status: decision.status,
            reason: decision.reason,
            physical_resource_id: physical_resource_id(&request),
            checks: decision.checks,
            failed: decision.failed,
        };
        log::line(&json!({
            "level": if answer.status == ResponseStatus::Success { "INFO" } else { "ERROR" },
            "msg": "first deploy",
            "requestType": request.request_type,
            "stackId": request.stack_id,
            "logicalResourceId": request.logical_resource_id,
            "function": request.property("FunctionName"),
            "version": request.property("Version"),
            "alias": request.property("Alias"),
            "status": answer.status,
            "reason": answer.reason,
            "checks": answer.checks,
            "failed": answer.failed,
        }));
        let body = custom_resource::response_body(
            &request,
            answer.status,
            &answer.reason,
            &answer.physical_resource_id,
        );
        let settings = SendSettings {
            attempts: self.settings.report_attempts,
            timeout: self.settings.report_timeout,
            pause: self.settings.backoff.first,
        };
        custom_resource::send(uploader, &request, body, settings, deadline).await?;
        Ok(answer)
    }

    /// The answer to a Create or Update, decided by `cutoff`.
    async fn decide_gate(&self, request: &Request, start: Instant, cutoff: Instant) -> Decision {
        if let Some(problem) = &request.problem {
            return Decision::failed(problem.clone());
        }
        let gate = match Gate::read(request) {
            Ok(gate) => gate,
            Err(error) => return Decision::failed(error.to_string()),
        };
        let config = match &self.config {
            Ok(config) => config,
            Err(error) => return Decision::failed(format!("invalid checks config: {error}")),
        };
        if let Some(skip) = &config.skip {
            log::message(
                "WARN",
                "checks skipped",
                json!({"stackId": request.stack_id, "function": gate.function, "version": gate.version, "reason": skip.reason, "setting": skip.setting}),
            );
            return Decision::success(format!(
                "checks skipped: {} (set by {})",
                skip.reason, skip.setting
            ));
        }
        let limit = ALIAS_TIMEOUT.min(cutoff.saturating_duration_since(Instant::now()));
        let looked_up = tokio::time::timeout(
            limit,
            self.lambda.alias_version(&gate.function, &gate.alias),
        )
        .await
        .unwrap_or_else(|_| {
            Err(AwsError {
                message: format!("no answer within {} ms", limit.as_millis()),
                retryable: true,
            })
        });
        match looked_up {
            Ok(Some(current)) => {
                return Decision::success(format!(
                    "alias {} of {} exists (version {current}): CodeDeploy checks version {} before it shifts traffic",
                    gate.alias, gate.function, gate.version
                ));
            }
            Ok(None) => {}
            // Checking a version is never wrong; letting it through unchecked could be.
            Err(error) => log::message(
                "WARN",
                "alias unreadable",
                json!({"function": gate.function, "alias": gate.alias, "error": error.message, "then": "checking the new version, as for a new alias"}),
            ),
        }
        self.check_new_version(config, &gate, request, start, cutoff)
            .await
    }

    async fn check_new_version(
        &self,
        config: &prehook_core::HookConfig,
        gate: &Gate,
        request: &Request,
        start: Instant,
        cutoff: Instant,
    ) -> Decision {
        let target = Target {
            function: gate.function.clone(),
            qualifier: gate.version.clone(),
        };
        let summary = match self
            .run_checks(
                config,
                &[target],
                LifecycleEvent::BeforeAllowTraffic,
                &request.request_id,
                start,
                cutoff,
            )
            .await
        {
            Ok(summary) => summary,
            Err(error) => return Decision::failed(error.to_string()),
        };
        let new_alias = format!("alias {} of {} is new", gate.alias, gate.function);
        if summary.passed {
            Decision {
                status: ResponseStatus::Success,
                reason: format!(
                    "{new_alias}: version {} passed {} check{}",
                    gate.version,
                    summary.checks,
                    if summary.checks == 1 { "" } else { "s" }
                ),
                checks: summary.checks,
                failed: summary.failed,
            }
        } else {
            Decision {
                status: ResponseStatus::Failed,
                reason: format!(
                    "{new_alias}, and version {} failed its checks: {}",
                    gate.version,
                    summary.reason.unwrap_or_default()
                ),
                checks: summary.checks,
                failed: summary.failed,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(properties: Value, physical: Option<&str>) -> Request {
        let mut event = json!({
            "RequestType": if physical.is_some() { "Update" } else { "Create" },
            "ResponseURL": "https://example.com/r",
            "StackId": "stack",
            "RequestId": "req",
            "LogicalResourceId": "WebsitePrehookFirstDeploy",
            "ResourceType": "Custom::PrehookFirstDeploy",
            "ResourceProperties": properties,
        });
        if let Some(id) = physical {
            event["PhysicalResourceId"] = json!(id);
            event["OldResourceProperties"] = json!({});
        }
        Request::read(&event)
    }

    #[test]
    fn the_physical_id_is_stable() {
        let props = json!({"FunctionName": "svc-dev-web", "Version": "3", "Alias": "Live"});
        assert_eq!(
            physical_resource_id(&request(props.clone(), None)),
            "prehook-first-deploy:svc-dev-web:Live"
        );
        // Whatever the properties became, an Update keeps the id the Create returned.
        assert_eq!(
            physical_resource_id(&request(props, Some("first-id"))),
            "first-id"
        );
        assert_eq!(
            physical_resource_id(&request(json!({}), None)),
            "prehook-first-deploy:WebsitePrehookFirstDeploy"
        );
    }

    #[test]
    fn properties_are_strings_and_the_version_a_published_one() {
        let gate = Gate::read(&request(
            json!({"FunctionName": "f", "Version": 7, "Alias": "Live"}),
            None,
        ))
        .unwrap();
        assert_eq!(gate.version, "7");
        let err = |props: Value| Gate::read(&request(props, None)).err().unwrap().to_string();
        assert_eq!(
            err(json!({"FunctionName": "f", "Version": "$LATEST", "Alias": "Live"})),
            "Version `$LATEST` is not a published version: the gate checks the version the alias will point at"
        );
        assert_eq!(
            err(json!({"FunctionName": "f", "Alias": "Live"})),
            "the custom resource has no Version property"
        );
    }
}
