//! A minimal HTTP/1 server on an ephemeral 127.0.0.1 port that hands each call to a closure.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::reply::{Action, Reply};

/// One request, read in full.
#[derive(Debug, Clone)]
pub struct HttpCall {
    pub method: String,
    /// The path, percent-decoded.
    pub path: String,
    pub query: Option<String>,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl HttpCall {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A query parameter, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query.as_deref()?.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k == name).then(|| percent_decode(v))
        })
    }
}

pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%' && i + 2 < bytes.len())
            .then(|| (hex(bytes[i + 1]), hex(bytes[i + 2])));
        if let Some((Some(hi), Some(lo))) = escaped {
            out.push(hi << 4 | lo);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A running server; it stops accepting when dropped.
pub struct Server {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl std::error::Error for Dropped {}

impl Server {
    pub async fn start<F, Fut>(handler: F) -> io::Result<Self>
    where
        F: Fn(HttpCall) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Reply> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let handler = Arc::new(handler);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let handler = handler.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request: Request<Incoming>| {
                        let handler = handler.clone();
                        async move { answer(request, handler.as_ref()).await }
                    });
                    // Errors here are clients going away or our own dropped connections.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self { addr, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// A [`Server`] and the state its handler shares with the endpoint's owner: the test or command
/// that programs the endpoint and reads what it received. Every local endpoint is one.
pub(crate) struct Endpoint<S> {
    server: Server,
    state: Arc<Mutex<S>>,
}

impl<S: Default + Send + 'static> Endpoint<S> {
    /// Serves each call with `handle(call, state)`, from a fresh `S::default()`.
    pub(crate) async fn start<F, Fut>(handle: F) -> io::Result<Self>
    where
        F: Fn(HttpCall, Arc<Mutex<S>>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Reply> + Send + 'static,
    {
        let state = Arc::new(Mutex::new(S::default()));
        let shared = state.clone();
        let server = Server::start(move |call| handle(call, shared.clone())).await?;
        Ok(Self { server, state })
    }

    /// The state, even after a handler panicked holding it: a failing test still reads what the
    /// endpoint received.
    pub(crate) fn lock(&self) -> MutexGuard<'_, S> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `http://127.0.0.1:<port>`
    pub(crate) fn url(&self) -> String {
        self.server.url()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer<F, Fut>(
    request: Request<Incoming>,
    handler: &F,
) -> Result<Response<Full<Bytes>>, Dropped>
where
    F: Fn(HttpCall) -> Fut,
    Fut: Future<Output = Reply>,
{
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Err(Dropped),
    };
    let call = HttpCall {
        method: parts.method.as_str().to_owned(),
        path: percent_decode(parts.uri.path()),
        query: parts.uri.query().map(str::to_owned),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
    };
    let reply = handler(call).await;
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    match reply.action {
        Action::Respond {
            status,
            headers,
            body,
        } => {
            let mut response = Response::builder().status(status);
            for (name, value) in headers {
                response = response.header(name, value);
            }
            Ok(response
                .body(Full::new(body))
                .unwrap_or_else(|_| Response::new(Full::new(Bytes::from_static(b"bad reply")))))
        }
        Action::Drop => Err(Dropped),
        // Endpoints resolve `Proceed` themselves; one left over is a bug in a test's script.
        Action::Proceed => Ok(Response::builder()
            .status(500)
            .body(Full::new(Bytes::from_static(b"unresolved Proceed reply")))
            .expect("static response")),
    }
}
