//! A local CodeDeploy API: the operations a traffic hook uses, over awsJson 1.1
//! (`POST /` with `X-Amz-Target: CodeDeploy_20141006.<Operation>`): the AppSpec, the status
//! report. (No deployment targets: the hook never reads them.)
//!
//! Status reports are recorded with their time, and an execution that already has a final status
//! answers `LifecycleEventAlreadyCompletedException`, as the real service does.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::watch;

use crate::reply::{Action, Reply};
use crate::server::{Endpoint, HttpCall};

const TARGET_PREFIX: &str = "CodeDeploy_20141006.";
pub const GET_DEPLOYMENT: &str = "GetDeployment";
pub const GET_APPLICATION_REVISION: &str = "GetApplicationRevision";
pub const PUT_STATUS: &str = "PutLifecycleEventHookExecutionStatus";

/// Where the AppSpec text sits in the revision, as both shapes occur.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RevisionStyle {
    /// `revision.appSpecContent.content`: what CloudFormation deployments return.
    #[default]
    AppSpecContent,
    /// `revision.string.content`.
    String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    pub application_name: String,
    pub appspec: String,
    pub style: RevisionStyle,
}

/// One call received, answered or not.
#[derive(Debug, Clone)]
pub struct ApiCall {
    pub operation: String,
    pub at: Instant,
    pub body: Value,
}

/// One accepted `PutLifecycleEventHookExecutionStatus`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    pub deployment_id: String,
    pub execution_id: String,
    pub status: String,
    pub at: Instant,
}

#[derive(Default)]
struct State {
    deployments: HashMap<String, Deployment>,
    scripts: HashMap<String, VecDeque<Reply>>,
    calls: Vec<ApiCall>,
    reports: Vec<StatusReport>,
    completed: HashSet<String>,
}

pub struct LocalCodeDeploy {
    endpoint: Endpoint<State>,
    reported: watch::Receiver<usize>,
}

impl LocalCodeDeploy {
    pub async fn start() -> io::Result<Self> {
        let (notify, reported) = watch::channel(0);
        let endpoint = Endpoint::start(move |call, state| {
            let notify = notify.clone();
            async move { handle(call, &state, &notify).await }
        })
        .await?;
        Ok(Self { endpoint, reported })
    }

    /// For `AWS_ENDPOINT_URL_CODEDEPLOY` or an SDK `endpoint_url`.
    pub fn url(&self) -> String {
        self.endpoint.url()
    }

    /// A deployment whose revision holds `appspec` in `appSpecContent`.
    pub fn add_deployment(&self, deployment_id: &str, application_name: &str, appspec: &str) {
        self.add_deployment_with(
            deployment_id,
            Deployment {
                application_name: application_name.into(),
                appspec: appspec.into(),
                style: RevisionStyle::AppSpecContent,
            },
        );
    }

    pub fn add_deployment_with(&self, deployment_id: &str, deployment: Deployment) {
        self.endpoint
            .lock()
            .deployments
            .insert(deployment_id.into(), deployment);
    }

    /// Queues `reply` for the next call of `operation` that has no earlier scripted reply;
    /// calls beyond the script behave normally.
    pub fn script(&self, operation: &str, reply: Reply) {
        self.endpoint
            .lock()
            .scripts
            .entry(operation.into())
            .or_default()
            .push_back(reply);
    }

    /// Marks an execution as already having its final status (a retried hook, a second hook).
    pub fn complete_execution(&self, execution_id: &str) {
        self.endpoint.lock().completed.insert(execution_id.into());
    }

    pub fn reports(&self) -> Vec<StatusReport> {
        self.endpoint.lock().reports.clone()
    }

    pub fn calls(&self) -> Vec<ApiCall> {
        self.endpoint.lock().calls.clone()
    }

    /// How many calls of `operation` arrived, answered or not.
    pub fn count(&self, operation: &str) -> usize {
        self.endpoint
            .lock()
            .calls
            .iter()
            .filter(|c| c.operation == operation)
            .count()
    }

    /// Waits up to `timeout` for the first accepted status report.
    pub async fn wait_for_report(&self, timeout: Duration) -> Option<StatusReport> {
        let mut reported = self.reported.clone();
        let _ = tokio::time::timeout(timeout, reported.wait_for(|n| *n > 0)).await;
        self.reports().into_iter().next()
    }

    /// Waits up to `timeout` until `count` status reports were accepted; returns those received.
    pub async fn wait_for_reports(&self, count: usize, timeout: Duration) -> Vec<StatusReport> {
        let mut reported = self.reported.clone();
        let _ = tokio::time::timeout(timeout, reported.wait_for(|n| *n >= count)).await;
        self.reports()
    }
}

async fn handle(call: HttpCall, state: &Mutex<State>, notify: &watch::Sender<usize>) -> Reply {
    let lock = || state.lock().unwrap_or_else(|e| e.into_inner());
    let Some(operation) = call
        .header("x-amz-target")
        .and_then(|t| t.strip_prefix(TARGET_PREFIX))
        .map(str::to_owned)
    else {
        return Reply::aws_error(400, "UnknownOperationException", "missing X-Amz-Target");
    };
    let body: Value = serde_json::from_slice(&call.body).unwrap_or(Value::Null);
    let scripted = {
        let mut state = lock();
        state.calls.push(ApiCall {
            operation: operation.clone(),
            at: Instant::now(),
            body: body.clone(),
        });
        state
            .scripts
            .get_mut(&operation)
            .and_then(VecDeque::pop_front)
    };
    match scripted {
        Some(Reply {
            delay,
            action: Action::Proceed,
        }) => tokio::time::sleep(delay).await,
        Some(reply) => return reply,
        None => {}
    }
    let text = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or_default();
    match operation.as_str() {
        GET_DEPLOYMENT => {
            let id = text("deploymentId");
            let Some(deployment) = lock().deployments.get(id).cloned() else {
                return not_found(id);
            };
            Reply::json(
                200,
                &json!({"deploymentInfo": {
                    "deploymentId": id,
                    "applicationName": deployment.application_name,
                    "deploymentGroupName": format!("{}-group", deployment.application_name),
                    "computePlatform": "Lambda",
                    "status": "InProgress",
                    "revision": revision(&deployment, false),
                }}),
            )
        }
        GET_APPLICATION_REVISION => {
            let application = text("applicationName");
            let found = lock()
                .deployments
                .values()
                .find(|d| d.application_name == application)
                .cloned();
            let Some(deployment) = found else {
                return Reply::aws_error(
                    400,
                    "ApplicationDoesNotExistException",
                    &format!("No application found for name: {application}"),
                );
            };
            Reply::json(
                200,
                &json!({
                    "applicationName": application,
                    "revision": revision(&deployment, true),
                    "revisionInfo": {"description": "local revision"},
                }),
            )
        }
        PUT_STATUS => {
            let deployment_id = text("deploymentId");
            let execution_id = text("lifecycleEventHookExecutionId");
            let status = text("status");
            if !lock().deployments.contains_key(deployment_id) {
                return not_found(deployment_id);
            }
            if ![
                "Pending",
                "InProgress",
                "Succeeded",
                "Failed",
                "Skipped",
                "Unknown",
            ]
            .contains(&status)
            {
                return Reply::aws_error(
                    400,
                    "InvalidLifecycleEventHookExecutionStatusException",
                    &format!("invalid status {status:?}"),
                );
            }
            let mut state = lock();
            if !state.completed.insert(execution_id.to_owned()) {
                return Reply::aws_error(
                    400,
                    "LifecycleEventAlreadyCompletedException",
                    "The execution of the lifecycle event hook has already completed",
                );
            }
            state.reports.push(StatusReport {
                deployment_id: deployment_id.into(),
                execution_id: execution_id.into(),
                status: status.into(),
                at: Instant::now(),
            });
            let count = state.reports.len();
            drop(state);
            notify.send_replace(count);
            Reply::json(200, &json!({"lifecycleEventHookExecutionId": execution_id}))
        }
        other => Reply::aws_error(
            400,
            "UnknownOperationException",
            &format!("unknown operation {other}"),
        ),
    }
}

fn not_found(id: &str) -> Reply {
    Reply::aws_error(
        400,
        "DeploymentDoesNotExistException",
        &format!("The deployment {id} could not be found"),
    )
}

/// GetDeployment names the revision by its hash; GetApplicationRevision returns the content.
fn revision(deployment: &Deployment, with_content: bool) -> Value {
    let sha256 = format!("{:064x}", fnv(&deployment.appspec));
    let mut body = json!({"sha256": sha256});
    if with_content {
        body["content"] = json!(deployment.appspec);
    }
    match deployment.style {
        RevisionStyle::AppSpecContent => {
            json!({"revisionType": "AppSpecContent", "appSpecContent": body})
        }
        RevisionStyle::String => json!({"revisionType": "String", "string": body}),
    }
}

/// A stable stand-in hash; nothing checks it.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf29ce484222325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    })
}
