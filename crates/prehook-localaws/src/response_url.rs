//! A local stand-in for the pre-signed S3 URL CloudFormation gives a custom resource
//! (`ResponseURL`): it takes the response with `PUT`, as S3 does, and keeps every upload so a
//! test can read what CloudFormation would have received.

use std::collections::VecDeque;
use std::io;
use std::sync::Mutex;
use std::time::Instant;

use bytes::Bytes;
use serde_json::Value;

use crate::reply::{Action, Reply};
use crate::server::{Endpoint, HttpCall};

/// The path of the URL [`LocalResponseUrl::url`] gives, with a query like a pre-signed one's.
const PATH: &str = "/cloudformation-custom-resource-response";

/// One `PUT` the endpoint accepted.
#[derive(Debug, Clone)]
pub struct ResponseUpload {
    /// The request's `Content-Type`, if it sent one (CloudFormation's own helpers send an empty one).
    pub content_type: Option<String>,
    pub body: Bytes,
    pub at: Instant,
}

impl ResponseUpload {
    /// The body as JSON, `Null` when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// A string field of the response (`Status`, `Reason`, `PhysicalResourceId`, ...).
    pub fn field(&self, name: &str) -> Option<String> {
        self.json().get(name)?.as_str().map(str::to_owned)
    }
}

#[derive(Default)]
struct State {
    scripts: VecDeque<Reply>,
    uploads: Vec<ResponseUpload>,
    /// Every call, accepted or not.
    calls: usize,
}

pub struct LocalResponseUrl {
    endpoint: Endpoint<State>,
}

impl LocalResponseUrl {
    pub async fn start() -> io::Result<Self> {
        let endpoint =
            Endpoint::start(|call, state| async move { handle(call, &state).await }).await?;
        Ok(Self { endpoint })
    }

    /// The `ResponseURL` to put in a custom resource event.
    pub fn url(&self) -> String {
        format!(
            "{}{PATH}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=7200&X-Amz-Signature=local",
            self.endpoint.url()
        )
    }

    /// Queues `reply` for the next call before the endpoint accepts one (a `Proceed` only delays it).
    pub fn script(&self, reply: Reply) {
        self.endpoint.lock().scripts.push_back(reply);
    }

    /// The responses accepted, in order.
    pub fn uploads(&self) -> Vec<ResponseUpload> {
        self.endpoint.lock().uploads.clone()
    }

    /// Calls received, accepted or not.
    pub fn calls(&self) -> usize {
        self.endpoint.lock().calls
    }
}

/// S3's answer to an error, in its XML.
pub fn s3_error(status: u16, code: &str) -> Reply {
    Reply::respond(
        status,
        vec![("content-type".into(), "application/xml".into())],
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{code}</Message></Error>"
        ),
    )
}

async fn handle(call: HttpCall, state: &Mutex<State>) -> Reply {
    let lock = || state.lock().unwrap_or_else(|e| e.into_inner());
    let scripted = {
        let mut state = lock();
        state.calls += 1;
        state.scripts.pop_front()
    };
    match scripted {
        Some(Reply {
            delay,
            action: Action::Proceed,
        }) => tokio::time::sleep(delay).await,
        Some(reply) => return reply,
        None => {}
    }
    if call.method != "PUT" || call.path != PATH {
        // What S3 answers to a pre-signed PUT URL used any other way.
        return s3_error(403, "SignatureDoesNotMatch");
    }
    lock().uploads.push(ResponseUpload {
        content_type: call.header("content-type").map(str::to_owned),
        body: call.body,
        at: Instant::now(),
    });
    Reply::respond(200, vec![("etag".into(), "\"local\"".into())], "")
}
