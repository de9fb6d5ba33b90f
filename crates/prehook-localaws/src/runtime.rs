//! A local Lambda Runtime API, so a real `bootstrap` binary can be run as Lambda runs it:
//! it long-polls `GET /2018-06-01/runtime/invocation/next` and posts each result back.

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

use crate::reply::Reply;
use crate::server::{HttpCall, Server};

/// The ARN the runtime reports as the invoked function.
pub const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:000000000000:function:prehook-local";

const BASE: &str = "/2018-06-01/runtime";

/// What the function answered to one event.
#[derive(Debug, Clone, PartialEq)]
pub enum RuntimeResult {
    Response(Bytes),
    Error(Bytes),
}

struct Event {
    id: String,
    payload: Bytes,
    deadline_ms: u128,
}

#[derive(Default)]
struct State {
    results: HashMap<String, RuntimeResult>,
    init_error: Option<Bytes>,
    next_id: u64,
    /// When each `GET /invocation/next` arrived: the first one ends the function's init.
    polls: Vec<Instant>,
}

pub struct LocalRuntime {
    server: Server,
    state: Arc<Mutex<State>>,
    events: mpsc::UnboundedSender<Event>,
    changed: watch::Receiver<u64>,
}

impl LocalRuntime {
    pub async fn start() -> io::Result<Self> {
        let state = Arc::new(Mutex::new(State::default()));
        let (events, queue) = mpsc::unbounded_channel::<Event>();
        let queue = Arc::new(tokio::sync::Mutex::new(queue));
        let (notify, changed) = watch::channel(0u64);
        let shared = state.clone();
        let server = Server::start(move |call| {
            let state = shared.clone();
            let queue = queue.clone();
            let notify = notify.clone();
            async move { handle(call, &state, &queue, &notify).await }
        })
        .await?;
        Ok(Self {
            server,
            state,
            events,
            changed,
        })
    }

    /// `host:port`, the form `AWS_LAMBDA_RUNTIME_API` takes.
    pub fn address(&self) -> String {
        self.server.addr().to_string()
    }

    /// Queues one event for the function, with `timeout` until its deadline; returns its request id.
    pub fn invoke(&self, payload: &Value, timeout: Duration) -> String {
        let id = {
            let mut state = self.lock();
            state.next_id += 1;
            format!("00000000-0000-4000-8000-{:012}", state.next_id)
        };
        let deadline_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .saturating_add(timeout)
            .as_millis();
        let _ = self.events.send(Event {
            id: id.clone(),
            payload: Bytes::from(payload.to_string()),
            deadline_ms,
        });
        id
    }

    /// Waits up to `timeout` for the function's answer to event `id`.
    pub async fn wait_result(&self, id: &str, timeout: Duration) -> Option<RuntimeResult> {
        let mut changed = self.changed.clone();
        let found = |state: &State| state.results.get(id).cloned();
        let _ = tokio::time::timeout(timeout, async {
            loop {
                if found(&self.lock()).is_some() {
                    return;
                }
                if changed.changed().await.is_err() {
                    return;
                }
            }
        })
        .await;
        found(&self.lock())
    }

    /// When each `GET /invocation/next` arrived, in order.
    pub fn polls(&self) -> Vec<Instant> {
        self.lock().polls.clone()
    }

    /// Waits up to `timeout` until the function has polled for events `count` times; true if it has.
    pub async fn wait_polls(&self, count: usize, timeout: Duration) -> bool {
        let mut changed = self.changed.clone();
        let _ = tokio::time::timeout(timeout, async {
            while self.lock().polls.len() < count {
                if changed.changed().await.is_err() {
                    return;
                }
            }
        })
        .await;
        self.lock().polls.len() >= count
    }

    /// What the function posted to `/runtime/init/error`, if it failed to start.
    pub fn init_error(&self) -> Option<Bytes> {
        self.lock().init_error.clone()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

async fn handle(
    call: HttpCall,
    state: &Mutex<State>,
    queue: &tokio::sync::Mutex<mpsc::UnboundedReceiver<Event>>,
    notify: &watch::Sender<u64>,
) -> Reply {
    let lock = || state.lock().unwrap_or_else(|e| e.into_inner());
    let accepted = || Reply::json(202, &json!({"status": "OK"}));
    let Some(rest) = call.path.strip_prefix(BASE) else {
        return Reply::json(404, &json!({"errorMessage": "not found"}));
    };
    match (call.method.as_str(), rest) {
        ("GET", "/invocation/next") => {
            lock().polls.push(Instant::now());
            notify.send_modify(|n| *n += 1);
            let Some(event) = queue.lock().await.recv().await else {
                return Reply::json(500, &json!({"errorMessage": "runtime stopped"}));
            };
            Reply::respond(
                200,
                vec![
                    ("content-type".into(), "application/json".into()),
                    ("lambda-runtime-aws-request-id".into(), event.id),
                    (
                        "lambda-runtime-deadline-ms".into(),
                        event.deadline_ms.to_string(),
                    ),
                    (
                        "lambda-runtime-invoked-function-arn".into(),
                        FUNCTION_ARN.into(),
                    ),
                    (
                        "lambda-runtime-trace-id".into(),
                        "Root=1-00000000-000000000000000000000000;Sampled=0".into(),
                    ),
                ],
                event.payload,
            )
        }
        ("POST", "/init/error") => {
            lock().init_error = Some(call.body);
            notify.send_modify(|n| *n += 1);
            accepted()
        }
        ("POST", path) => {
            let Some(rest) = path.strip_prefix("/invocation/") else {
                return Reply::json(404, &json!({"errorMessage": "not found"}));
            };
            let result = match rest.rsplit_once('/') {
                Some((id, "response")) => (id, RuntimeResult::Response(call.body)),
                Some((id, "error")) => (id, RuntimeResult::Error(call.body)),
                _ => return Reply::json(404, &json!({"errorMessage": "not found"})),
            };
            lock().results.insert(result.0.to_owned(), result.1);
            notify.send_modify(|n| *n += 1);
            accepted()
        }
        _ => Reply::json(404, &json!({"errorMessage": "not found"})),
    }
}
