//! A rehearsal of a first deploy: CloudFormation creating the first-deploy gate
//! (`Custom::PrehookFirstDeploy`) of a function whose alias does not exist yet, answered by a
//! real `bootstrap`, offline.
//!
//! The binary runs as Lambda would run it (Runtime API, environment) and gets the Create request
//! CloudFormation sends; a local Lambda API answers its GetAlias (no such alias, unless a
//! current version is given) and passes its Invokes on to the given endpoint (a local
//! serverless-offline); its response lands on a local stand-in for the pre-signed S3 URL.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::lambda::LocalLambda;
use crate::rehearse::{HOOK_FUNCTION, Options, spawn_hook, watch_hook};
use crate::response_url::LocalResponseUrl;
use crate::runtime::{LocalRuntime, RuntimeResult};

pub const STACK_ID: &str = "arn:aws:cloudformation:us-east-1:000000000000:stack/prehook-rehearsal/00000000-0000-4000-8000-000000000000";
pub const LOGICAL_RESOURCE_ID: &str = "RehearsedPrehookFirstDeploy";

/// What happened, as CloudFormation and the hook's logs saw it.
#[derive(Debug, Clone, Default)]
pub struct FirstDeployRehearsal {
    /// The response CloudFormation received (the first upload), if any.
    pub response: Option<Value>,
    /// How many responses were uploaded: 1 when all is well.
    pub uploads: usize,
    /// The hook's `check attempt` log lines.
    pub attempts: Vec<Value>,
    /// The hook's `first deploy` log line.
    pub gate: Option<Value>,
    /// The GetAlias calls the hook made.
    pub alias_calls: usize,
    pub result: Option<RuntimeResult>,
    pub init_error: Option<String>,
}

impl FirstDeployRehearsal {
    /// `SUCCESS` or `FAILED`.
    pub fn status(&self) -> Option<&str> {
        self.response.as_ref()?.get("Status")?.as_str()
    }

    pub fn reason(&self) -> Option<&str> {
        self.response.as_ref()?.get("Reason")?.as_str()
    }

    /// `response: FAILED (reason)`, or why there is none.
    pub fn response_line(&self) -> String {
        match (self.status(), self.reason()) {
            (Some(status), Some(reason)) => format!("response: {status} ({reason})"),
            (Some(status), None) => format!("response: {status}"),
            (None, _) => {
                let why = self
                    .init_error
                    .clone()
                    .or_else(|| match &self.result {
                        Some(RuntimeResult::Error(body)) => {
                            Some(String::from_utf8_lossy(body).into_owned())
                        }
                        _ => None,
                    })
                    .unwrap_or_else(|| "the hook uploaded no response".into());
                format!("response: none ({why})")
            }
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "status": self.status(),
            "reason": self.reason(),
            "uploads": self.uploads,
            "response": self.response,
            "checks": self.attempts,
            "gate": self.gate,
            "aliasCalls": self.alias_calls,
            "initError": self.init_error,
        })
    }
}

/// The Create request CloudFormation sends for the gate of `options.function`.
pub fn create_request(options: &Options, response_url: &str) -> Value {
    json!({
        "RequestType": "Create",
        "ServiceToken": format!("arn:aws:lambda:us-east-1:000000000000:function:{HOOK_FUNCTION}"),
        "ResponseURL": response_url,
        "StackId": STACK_ID,
        "RequestId": "rehearsal-first-deploy-1",
        "LogicalResourceId": LOGICAL_RESOURCE_ID,
        "ResourceType": "Custom::PrehookFirstDeploy",
        "ResourceProperties": {
            "ServiceToken": format!("arn:aws:lambda:us-east-1:000000000000:function:{HOOK_FUNCTION}"),
            "FunctionName": options.function,
            "Version": options.version,
            "Alias": options.alias,
        },
    })
}

/// Runs the rehearsal; `on_line` sees each output line of the hook as it comes.
/// `options.current_version`, when given, is what the alias points at already.
pub async fn rehearse_first_deploy(
    options: &Options,
    mut on_line: impl FnMut(&str),
) -> std::io::Result<FirstDeployRehearsal> {
    let lambda = LocalLambda::start().await?;
    lambda.forward_to(&options.lambda_endpoint);
    if let Some(current) = &options.current_version {
        lambda.alias(&options.function, &options.alias, current);
    }
    let responses = LocalResponseUrl::start().await?;
    let runtime = LocalRuntime::start().await?;

    // As crate::rehearse starts it, with the local Lambda API in front of the endpoint.
    let (child, lines) = spawn_hook(
        options,
        HOOK_FUNCTION,
        &runtime,
        &[
            ("AWS_ENDPOINT_URL_LAMBDA", lambda.url()),
            // The gate never calls CodeDeploy; a local address keeps a mistake from reaching AWS.
            ("AWS_ENDPOINT_URL_CODEDEPLOY", lambda.url()),
        ],
        &[],
    )?;

    let id = runtime.invoke(&create_request(options, &responses.url()), options.timeout);
    let mut rehearsal = FirstDeployRehearsal::default();
    let give_up = Instant::now() + options.timeout + Duration::from_secs(5);
    let run = watch_hook(
        child,
        lines,
        &runtime,
        &id,
        give_up,
        |line| record(&mut rehearsal, line, &mut on_line),
        // The gate reports only by its answer and the response it uploads.
        || false,
    )
    .await;
    rehearsal.result = run.result;
    rehearsal.init_error = run.init_error;
    let uploads = responses.uploads();
    rehearsal.uploads = uploads.len();
    rehearsal.response = uploads.first().map(|u| u.json());
    rehearsal.alias_calls = lambda.alias_calls().len();
    Ok(rehearsal)
}

fn record(rehearsal: &mut FirstDeployRehearsal, line: &str, on_line: &mut impl FnMut(&str)) {
    on_line(line);
    if let Ok(value) = serde_json::from_str::<Value>(line) {
        match value.get("msg").and_then(Value::as_str) {
            Some("check attempt") => rehearsal.attempts.push(value),
            Some("first deploy") => rehearsal.gate = Some(value),
            _ => {}
        }
    }
}
