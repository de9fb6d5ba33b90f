//! The CloudFormation custom resource protocol, as the hook speaks it: recognising a request
//! among the events the hook is invoked with, reading it, and uploading exactly one response to
//! its pre-signed S3 `ResponseURL` before the invocation's deadline.
//!
//! CloudFormation waits up to an hour for a custom resource that never answers, so the hook
//! answers every request it can read a `ResponseURL` from, even one it cannot otherwise read.

use std::future::Future;
use std::time::{Duration, Instant};

use aws_lambda_events::event::cloudformation::CloudFormationCustomResourceRequest;
use aws_smithy_runtime_api::client::http::{HttpConnector, SharedHttpConnector};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::aws::AwsError;
use crate::log;

/// The longest `Reason` sent: CloudFormation takes a response of at most 4 KB, and shows the
/// reason in the stack events.
const MAX_REASON_CHARS: usize = 1500;

/// Whether `event` is a CloudFormation custom resource request (rather than a CodeDeploy
/// lifecycle event).
pub fn is_request(event: &Value) -> bool {
    event.get("RequestType").is_some() && event.get("ResponseURL").is_some()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RequestType {
    Create,
    Update,
    Delete,
}

/// What the hook reads of one request.
#[derive(Debug, Clone)]
pub struct Request {
    pub request_type: RequestType,
    pub response_url: String,
    pub stack_id: String,
    pub request_id: String,
    pub logical_resource_id: String,
    /// Given with Update and Delete: the id returned when the resource was created.
    pub physical_resource_id: Option<String>,
    /// `ResourceProperties` (values are strings: CloudFormation passes every scalar as one).
    pub properties: Map<String, Value>,
    /// Why the request could not be read as CloudFormation's; it is then answered FAILED (or
    /// SUCCESS for a Delete) with this reason.
    pub problem: Option<String>,
}

impl Request {
    /// Reads `event`; a request that is not quite CloudFormation's is still answered, so every
    /// field falls back to what can be found.
    pub fn read(event: &Value) -> Self {
        let text = |key: &str| event.get(key).and_then(Value::as_str).map(str::to_owned);
        let typed = serde_json::from_value::<CloudFormationCustomResourceRequest>(event.clone());
        let (request_type, physical_resource_id, properties, problem) = match typed {
            Ok(CloudFormationCustomResourceRequest::Create(r)) => {
                (RequestType::Create, None, r.resource_properties, None)
            }
            Ok(CloudFormationCustomResourceRequest::Update(r)) => (
                RequestType::Update,
                Some(r.physical_resource_id),
                r.resource_properties,
                None,
            ),
            Ok(CloudFormationCustomResourceRequest::Delete(r)) => (
                RequestType::Delete,
                Some(r.physical_resource_id),
                r.resource_properties,
                None,
            ),
            // `non_exhaustive`: a request type CloudFormation may add one day.
            Ok(_) => (
                RequestType::Create,
                None,
                Value::Null,
                Some("unknown RequestType".to_owned()),
            ),
            Err(error) => {
                let request_type = match text("RequestType").as_deref() {
                    Some("Delete") => RequestType::Delete,
                    Some("Update") => RequestType::Update,
                    _ => RequestType::Create,
                };
                (
                    request_type,
                    text("PhysicalResourceId"),
                    event.get("ResourceProperties").cloned().unwrap_or_default(),
                    Some(format!(
                        "not a CloudFormation custom resource request: {error}"
                    )),
                )
            }
        };
        Self {
            request_type,
            response_url: text("ResponseURL").unwrap_or_default(),
            stack_id: text("StackId").unwrap_or_default(),
            request_id: text("RequestId").unwrap_or_default(),
            logical_resource_id: text("LogicalResourceId").unwrap_or_default(),
            physical_resource_id,
            properties: match properties {
                Value::Object(map) => map,
                _ => Map::new(),
            },
            problem,
        }
    }

    /// A string property, or a scalar CloudFormation would have passed as one.
    pub fn property(&self, name: &str) -> Option<String> {
        match self.properties.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ResponseStatus {
    Success,
    Failed,
}

/// The response body CloudFormation reads from the `ResponseURL`.
pub fn response_body(
    request: &Request,
    status: ResponseStatus,
    reason: &str,
    physical_resource_id: &str,
) -> String {
    json!({
        "Status": status,
        "Reason": shorten(reason),
        "PhysicalResourceId": physical_resource_id,
        "StackId": request.stack_id,
        "RequestId": request.request_id,
        "LogicalResourceId": request.logical_resource_id,
    })
    .to_string()
}

fn shorten(reason: &str) -> String {
    if reason.chars().count() <= MAX_REASON_CHARS {
        return reason.to_owned();
    }
    let mut cut: String = reason.chars().take(MAX_REASON_CHARS).collect();
    cut.push('…');
    cut
}

/// The upload of a response to its `ResponseURL`, as a trait so tests can use any endpoint
/// (they use [`HttpsUploader`] against a local one).
pub trait ResponseUploader: Send + Sync {
    /// PUTs `body` to `url`; `Ok` once the store accepted it.
    fn put(&self, url: &str, body: String) -> impl Future<Output = Result<(), AwsError>> + Send;
}

/// Uploads on the HTTPS stack the SDK clients use ([`crate::https`]).
pub struct HttpsUploader {
    connector: SharedHttpConnector,
}

impl HttpsUploader {
    pub fn new() -> Self {
        Self {
            // Timeouts are the caller's (`tokio::time::timeout` per attempt).
            connector: crate::https::connector(),
        }
    }
}

impl Default for HttpsUploader {
    fn default() -> Self {
        Self::new()
    }
}

impl ResponseUploader for HttpsUploader {
    async fn put(&self, url: &str, body: String) -> Result<(), AwsError> {
        let fail = |message: String, retryable: bool| AwsError { message, retryable };
        let length = body.len();
        // The pre-signed URL signs an empty Content-Type: any other value is refused by S3.
        let request = http::Request::builder()
            .method("PUT")
            .uri(url)
            .header("content-type", "")
            .header("content-length", length)
            .body(SdkBody::from(body))
            .map_err(|e| fail(format!("invalid ResponseURL: {e}"), false))?;
        let request = HttpRequest::try_from(request)
            .map_err(|e| fail(format!("invalid ResponseURL: {e}"), false))?;
        let response = self
            .connector
            .call(request)
            .await
            .map_err(|e| fail(format!("no answer from the ResponseURL: {e}"), true))?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        // S3 refuses an expired or altered URL with a 403 that no retry mends.
        Err(fail(
            format!("the ResponseURL answered HTTP {status}"),
            status >= 500 || status == 429,
        ))
    }
}

/// How hard [`send`] tries.
#[derive(Debug, Clone, Copy)]
pub struct SendSettings {
    pub attempts: u32,
    /// Longest wait for one attempt.
    pub timeout: Duration,
    /// Pause after the first failed attempt; the n-th waits n times as long.
    pub pause: Duration,
}

/// The response could not be uploaded: the invocation fails, so that Lambda runs it again.
#[derive(Debug, thiserror::Error)]
#[error("could not send the response to CloudFormation: {0}")]
pub struct NotSent(pub AwsError);

/// Time kept before the deadline when an upload is given up: the invocation then ends with an
/// error of its own (Lambda runs it again) rather than being stopped by Lambda.
const GIVE_UP_MARGIN: Duration = Duration::from_millis(250);

/// Uploads `body`, retrying what may pass on a second try, until shortly before `deadline`.
pub async fn send<U: ResponseUploader>(
    uploader: &U,
    request: &Request,
    body: String,
    settings: SendSettings,
    deadline: Instant,
) -> Result<(), NotSent> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let left = deadline
            .saturating_duration_since(Instant::now())
            .saturating_sub(GIVE_UP_MARGIN);
        // The first attempt always goes out, however late: it may still arrive in time.
        let limit = if attempt == 1 {
            settings.timeout.min(left).max(Duration::from_millis(100))
        } else {
            settings.timeout.min(left)
        };
        let error =
            match tokio::time::timeout(limit, uploader.put(&request.response_url, body.clone()))
                .await
            {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(error)) => error,
                Err(_) => AwsError {
                    message: format!(
                        "no answer from the ResponseURL within {} ms",
                        limit.as_millis()
                    ),
                    retryable: true,
                },
            };
        let pause = settings.pause * attempt;
        let retry = error.retryable
            && attempt < settings.attempts
            && Instant::now() + pause + GIVE_UP_MARGIN < deadline;
        log::message(
            "ERROR",
            "response upload failed",
            json!({"stackId": request.stack_id, "logicalResourceId": request.logical_resource_id, "attempt": attempt, "error": error.message, "retrying": retry}),
        );
        if !retry {
            return Err(NotSent(error));
        }
        tokio::time::sleep(pause).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create() -> Value {
        json!({
            "RequestType": "Create",
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:website-dev-preHook",
            "ResponseURL": "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?X-Amz-Signature=1",
            "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/website-dev/1",
            "RequestId": "req-1",
            "LogicalResourceId": "WebsitePrehookFirstDeploy",
            "ResourceType": "Custom::PrehookFirstDeploy",
            "ResourceProperties": {"ServiceToken": "arn", "FunctionName": "website-dev-website", "Version": "1", "Alias": "Live"}
        })
    }

    #[test]
    fn reads_the_requests_cloudformation_sends() {
        let event = create();
        assert!(is_request(&event));
        let request = Request::read(&event);
        assert_eq!(request.request_type, RequestType::Create);
        assert_eq!(request.property("Version").as_deref(), Some("1"));
        assert!(request.problem.is_none());
        let mut update = create();
        update["RequestType"] = json!("Update");
        update["PhysicalResourceId"] = json!("gate-1");
        update["OldResourceProperties"] = json!({"Version": "1"});
        let request = Request::read(&update);
        assert_eq!(
            (
                request.request_type,
                request.physical_resource_id.as_deref()
            ),
            (RequestType::Update, Some("gate-1"))
        );
        assert!(!is_request(
            &json!({"DeploymentId": "d-1", "LifecycleEventHookExecutionId": "e"})
        ));
    }

    #[test]
    fn a_request_missing_fields_is_still_answered() {
        let mut event = create();
        event.as_object_mut().unwrap().remove("StackId");
        let request = Request::read(&event);
        assert!(
            request.problem.as_deref().unwrap().starts_with(
                "not a CloudFormation custom resource request: missing field `StackId`"
            ),
            "{:?}",
            request.problem
        );
        assert_eq!(request.response_url, create()["ResponseURL"]);
        assert_eq!(
            request.property("FunctionName").as_deref(),
            Some("website-dev-website")
        );
    }

    #[test]
    fn the_response_is_what_cloudformation_reads_and_fits_its_4_kb() {
        let request = Request::read(&create());
        let body = response_body(
            &request,
            ResponseStatus::Failed,
            &"x".repeat(10_000),
            "gate",
        );
        let value: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(value["Status"], "FAILED");
        assert_eq!(value["PhysicalResourceId"], "gate");
        assert_eq!(value["RequestId"], "req-1");
        assert_eq!(value["LogicalResourceId"], "WebsitePrehookFirstDeploy");
        assert!(body.len() < 4096, "{}", body.len());
    }
}
