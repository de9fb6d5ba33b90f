//! What a local endpoint answers to one call, including the ways real AWS misbehaves.

use std::time::Duration;

use bytes::Bytes;
use serde_json::{Value, json};

/// One answer: what to do, after an optional delay.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub delay: Duration,
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Bytes,
    },
    /// Close the connection without answering.
    Drop,
    /// Do what the endpoint normally does (a scripted step that only adds a delay).
    Proceed,
}

const AWS_JSON: &str = "application/x-amz-json-1.1";

impl Reply {
    pub fn respond(status: u16, headers: Vec<(String, String)>, body: impl Into<Bytes>) -> Self {
        Self {
            delay: Duration::ZERO,
            action: Action::Respond {
                status,
                headers,
                body: body.into(),
            },
        }
    }

    /// A JSON body in the awsJson 1.1 content type (also accepted by restJson clients).
    pub fn json(status: u16, value: &Value) -> Self {
        Self::respond(
            status,
            vec![("content-type".into(), AWS_JSON.into())],
            value.to_string(),
        )
    }

    /// An AWS error as both protocols carry it: `x-amzn-ErrorType` and `__type`.
    pub fn aws_error(status: u16, error_type: &str, message: &str) -> Self {
        Self::respond(
            status,
            vec![
                ("content-type".into(), AWS_JSON.into()),
                ("x-amzn-errortype".into(), error_type.into()),
            ],
            json!({"__type": error_type, "message": message}).to_string(),
        )
    }

    /// CodeDeploy's throttling answer; the SDK retries it.
    pub fn throttling() -> Self {
        Self::aws_error(400, "ThrottlingException", "Rate exceeded")
    }

    /// Lambda's throttling answer to Invoke.
    pub fn too_many_requests() -> Self {
        Self::aws_error(429, "TooManyRequestsException", "Rate exceeded")
    }

    /// A 5xx from the service itself.
    pub fn service_error(status: u16) -> Self {
        Self::aws_error(status, "ServiceException", "internal service error")
    }

    /// A 200 whose body is cut off mid-JSON.
    pub fn malformed_json() -> Self {
        Self::respond(
            200,
            vec![("content-type".into(), AWS_JSON.into())],
            r#"{"deploymentInfo": {"applicationName": "#,
        )
    }

    pub fn drop_connection() -> Self {
        Self {
            delay: Duration::ZERO,
            action: Action::Drop,
        }
    }

    pub fn proceed() -> Self {
        Self {
            delay: Duration::ZERO,
            action: Action::Proceed,
        }
    }

    /// The same reply, given after `delay`.
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// A successful Invoke returning `payload` (any bytes: Lambda does not require JSON).
    pub fn payload(payload: impl Into<Bytes>) -> Self {
        Self::respond(
            200,
            vec![("content-type".into(), "application/json".into())],
            payload,
        )
    }

    /// A successful Invoke returning `value` as JSON.
    pub fn output(value: &Value) -> Self {
        Self::payload(value.to_string())
    }

    /// An Invoke of a function that failed (`Handled` or `Unhandled`), with its error payload.
    pub fn function_error(kind: &str, error_type: &str, message: &str) -> Self {
        Self::respond(
            200,
            vec![
                ("content-type".into(), "application/json".into()),
                ("x-amz-function-error".into(), kind.into()),
            ],
            json!({"errorType": error_type, "errorMessage": message}).to_string(),
        )
    }

    /// A proxy response from an HTTP function: `statusCode` and a text body.
    pub fn http(status: u16, body: &str) -> Self {
        Self::output(&json!({
            "statusCode": status,
            "headers": {"content-type": "text/html; charset=utf-8"},
            "body": body,
        }))
    }
}
