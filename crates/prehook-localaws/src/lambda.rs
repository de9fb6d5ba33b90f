//! A local Lambda Invoke API: `POST /2015-03-31/functions/{name}/invocations?Qualifier=..`,
//! and ListVersionsByFunction (`GET /2015-03-31/functions/{name}/versions`, paged with
//! `Marker`/`MaxItems`) for the versions a test declares, and GetAlias
//! (`GET /2015-03-31/functions/{name}/aliases/{alias}`) for the aliases it declares.
//!
//! Functions are Rust closures, registered per name and (optionally) qualifier; scripted replies
//! queued for a function come first, so a test can make the first attempt fail and the next pass.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;

use crate::reply::{Action, Reply};
use crate::server::{Endpoint, HttpCall};

/// One Invoke call as received.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub function: String,
    pub qualifier: Option<String>,
    pub payload: Bytes,
    /// `X-Amz-Client-Context`, base64 JSON.
    pub client_context: Option<String>,
    pub invocation_type: Option<String>,
    /// The SigV4 credential scope, `AKID/20260101/us-east-1/lambda/aws4_request`: which
    /// credentials and region the caller signed with (never the secret).
    pub credential: Option<String>,
    pub at: Instant,
}

impl Invocation {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.payload).unwrap_or(serde_json::Value::Null)
    }
}

type BoxReply = Pin<Box<dyn Future<Output = Reply> + Send>>;
type Handler = Arc<dyn Fn(Invocation) -> BoxReply + Send + Sync>;
type Key = (String, Option<String>);

#[derive(Default)]
struct State {
    functions: HashMap<Key, Handler>,
    scripts: HashMap<Key, VecDeque<Reply>>,
    calls: Vec<Invocation>,
    /// ListVersionsByFunction's answers, by function name, without `$LATEST`.
    versions: HashMap<String, Vec<String>>,
    /// Most versions on one page when the caller asks for no fewer.
    page_size: Option<usize>,
    /// GetAlias's answers: the version each (function, alias) points at.
    aliases: HashMap<(String, String), String>,
    alias_scripts: HashMap<(String, String), VecDeque<Reply>>,
    /// Every GetAlias call, as (function, alias).
    alias_calls: Vec<(String, String)>,
    /// Where Invokes of functions without a handler go (`http://host:port`), if anywhere.
    upstream: Option<String>,
}

pub struct LocalLambda {
    endpoint: Endpoint<State>,
}

const PREFIX: &str = "/2015-03-31/functions/";

impl LocalLambda {
    pub async fn start() -> io::Result<Self> {
        let endpoint =
            Endpoint::start(|call, state| async move { handle(call, &state).await }).await?;
        Ok(Self { endpoint })
    }

    /// For `AWS_ENDPOINT_URL_LAMBDA` or an SDK `endpoint_url`.
    pub fn url(&self) -> String {
        self.endpoint.url()
    }

    /// Registers `function` (any qualifier when `qualifier` is `None`).
    pub fn function<F, Fut>(&self, function: &str, qualifier: Option<&str>, handler: F)
    where
        F: Fn(Invocation) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Reply> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |call| Box::pin(handler(call)));
        self.endpoint
            .lock()
            .functions
            .insert((function.into(), qualifier.map(str::to_owned)), handler);
    }

    /// A function that always gives the same reply.
    pub fn reply(&self, function: &str, qualifier: Option<&str>, reply: Reply) {
        self.function(function, qualifier, move |_| {
            let reply = reply.clone();
            async move { reply }
        });
    }

    /// Queues `reply` for the next call of `function`/`qualifier` before its handler answers.
    pub fn script(&self, function: &str, qualifier: Option<&str>, reply: Reply) {
        self.endpoint
            .lock()
            .scripts
            .entry((function.into(), qualifier.map(str::to_owned)))
            .or_default()
            .push_back(reply);
    }

    /// The published versions ListVersionsByFunction lists for `function` (after `$LATEST`).
    pub fn versions(&self, function: &str, versions: &[&str]) {
        self.endpoint.lock().versions.insert(
            function.into(),
            versions.iter().map(|v| (*v).to_owned()).collect(),
        );
    }

    /// Pages of at most `size` versions, so callers must follow `NextMarker`.
    pub fn page_size(&self, size: usize) {
        self.endpoint.lock().page_size = Some(size.max(1));
    }

    /// Declares alias `alias` of `function`, pointing at `version`, for GetAlias.
    pub fn alias(&self, function: &str, alias: &str, version: &str) {
        self.endpoint
            .lock()
            .aliases
            .insert((function.into(), alias.into()), version.into());
    }

    /// Queues `reply` for the next GetAlias of `function`/`alias` (a `Proceed` only delays it).
    pub fn script_alias(&self, function: &str, alias: &str, reply: Reply) {
        self.endpoint
            .lock()
            .alias_scripts
            .entry((function.into(), alias.into()))
            .or_default()
            .push_back(reply);
    }

    /// Sends the Invokes of functions without a handler here to another Lambda Invoke API
    /// (`http://host:port`, a serverless-offline), answering GetAlias itself: so a built hook
    /// can check a function served elsewhere and find that it has no alias yet.
    pub fn forward_to(&self, upstream: &str) {
        self.endpoint.lock().upstream = Some(upstream.trim_end_matches('/').to_owned());
    }

    /// Every GetAlias call so far, as (function, alias).
    pub fn alias_calls(&self) -> Vec<(String, String)> {
        self.endpoint.lock().alias_calls.clone()
    }

    pub fn calls(&self) -> Vec<Invocation> {
        self.endpoint.lock().calls.clone()
    }

    /// Calls of `function`, any qualifier.
    pub fn calls_of(&self, function: &str) -> Vec<Invocation> {
        self.endpoint
            .lock()
            .calls
            .iter()
            .filter(|c| c.function == function)
            .cloned()
            .collect()
    }
}

/// Credential scope of a SigV4 `Authorization` header.
fn credential_scope(call: &HttpCall) -> Option<String> {
    let header = call.header("authorization")?;
    let start = header.find("Credential=")? + "Credential=".len();
    let scope = &header[start..];
    Some(scope[..scope.find(',').unwrap_or(scope.len())].to_owned())
}

fn list_versions(call: &HttpCall, function: &str, state: &Mutex<State>) -> Reply {
    let state = state.lock().unwrap_or_else(|e| e.into_inner());
    let Some(published) = state.versions.get(function) else {
        return Reply::aws_error(
            404,
            "ResourceNotFoundException",
            &format!("Function not found: {function}"),
        );
    };
    let all: Vec<&str> = std::iter::once("$LATEST")
        .chain(published.iter().map(String::as_str))
        .collect();
    let start: usize = call
        .query_param("Marker")
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    let asked: usize = call
        .query_param("MaxItems")
        .and_then(|m| m.parse().ok())
        .unwrap_or(50);
    let size = state.page_size.map_or(asked, |p| p.min(asked)).max(1);
    let page: Vec<serde_json::Value> = all
        .iter()
        .skip(start)
        .take(size)
        .map(|version| {
            serde_json::json!({
                "FunctionName": function,
                "FunctionArn": format!("arn:aws:lambda:us-east-1:123456789012:function:{function}:{version}"),
                "Version": version,
            })
        })
        .collect();
    let next = start + page.len();
    let mut body = serde_json::json!({ "Versions": page });
    if next < all.len() {
        body["NextMarker"] = next.to_string().into();
    }
    Reply::json(200, &body)
}

/// GetAlias: the declared alias, or Lambda's ResourceNotFoundException.
async fn get_alias(function: &str, alias: &str, state: &Mutex<State>) -> Reply {
    let key = (function.to_owned(), alias.to_owned());
    let (scripted, version) = {
        let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
        state.alias_calls.push(key.clone());
        let scripted = state
            .alias_scripts
            .get_mut(&key)
            .and_then(VecDeque::pop_front);
        (scripted, state.aliases.get(&key).cloned())
    };
    match scripted {
        Some(Reply {
            delay,
            action: Action::Proceed,
        }) => tokio::time::sleep(delay).await,
        Some(reply) => return reply,
        None => {}
    }
    let arn = format!("arn:aws:lambda:us-east-1:123456789012:function:{function}:{alias}");
    match version {
        Some(version) => Reply::json(
            200,
            &serde_json::json!({
                "AliasArn": arn,
                "Name": alias,
                "FunctionVersion": version,
                "Description": "",
                "RevisionId": "00000000-0000-4000-8000-000000000001",
            }),
        ),
        None => Reply::aws_error(
            404,
            "ResourceNotFoundException",
            &format!("Cannot find alias arn: {arn}"),
        ),
    }
}

async fn handle(call: HttpCall, state: &Mutex<State>) -> Reply {
    let lock = || state.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((function, alias)) = call
        .path
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.split_once("/aliases/"))
        .filter(|_| call.method == "GET")
    {
        return get_alias(function, alias, state).await;
    }
    if let Some(function) = call
        .path
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.strip_suffix("/versions"))
        .filter(|_| call.method == "GET")
    {
        return list_versions(&call, function, state);
    }
    let Some(function) = call
        .path
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.strip_suffix("/invocations"))
        .filter(|_| call.method == "POST")
    else {
        return Reply::aws_error(
            404,
            "UnknownOperationException",
            &format!("{} {}", call.method, call.path),
        );
    };
    // A function may be named by ARN, and its qualifier may come as `name:qualifier`.
    let name = function
        .find(":function:")
        .map_or(function, |i| &function[i + ":function:".len()..]);
    let (name, path_qualifier) = match name.split_once(':') {
        Some((name, qualifier)) => (name, Some(qualifier.to_owned())),
        None => (name, None),
    };
    let function = name.to_owned();
    let qualifier = call.query_param("Qualifier").or(path_qualifier);
    let invocation = Invocation {
        function: function.clone(),
        qualifier: qualifier.clone(),
        payload: call.body.clone(),
        client_context: call.header("x-amz-client-context").map(str::to_owned),
        invocation_type: call.header("x-amz-invocation-type").map(str::to_owned),
        credential: credential_scope(&call),
        at: Instant::now(),
    };
    let (scripted, handler, upstream) = {
        let mut state = lock();
        state.calls.push(invocation.clone());
        let exact = (function.clone(), qualifier.clone());
        let any = (function.clone(), None);
        let scripted = [&exact, &any]
            .into_iter()
            .find_map(|key| state.scripts.get_mut(key).and_then(VecDeque::pop_front));
        let handler = state
            .functions
            .get(&exact)
            .or_else(|| state.functions.get(&any))
            .cloned();
        (scripted, handler, state.upstream.clone())
    };
    let delay = match scripted {
        Some(Reply {
            delay,
            action: Action::Proceed,
        }) => delay,
        Some(reply) => return reply,
        None => Default::default(),
    };
    if let (None, Some(upstream)) = (&handler, upstream) {
        tokio::time::sleep(delay).await;
        return forward(&upstream, &call).await;
    }
    let Some(handler) = handler else {
        let shown = match &qualifier {
            Some(q) => format!("{function}:{q}"),
            None => function,
        };
        return Reply::aws_error(
            404,
            "ResourceNotFoundException",
            &format!("Function not found: {shown}"),
        );
    };
    tokio::time::sleep(delay).await;
    let mut reply = handler(invocation).await;
    if let (Action::Respond { headers, .. }, Some(q)) = (&mut reply.action, &qualifier)
        && !headers.iter().any(|(k, _)| k == "x-amz-executed-version")
    {
        headers.push(("x-amz-executed-version".into(), q.clone()));
    }
    reply
}

/// `call`, sent on to `upstream` (`http://host:port`) as it came; its answer, as it came.
async fn forward(upstream: &str, call: &HttpCall) -> Reply {
    match try_forward(upstream, call).await {
        Ok(reply) => reply,
        Err(error) => Reply::aws_error(
            502,
            "ServiceException",
            &format!("cannot reach {upstream}: {error}"),
        ),
    }
}

async fn try_forward(
    upstream: &str,
    call: &HttpCall,
) -> Result<Reply, Box<dyn std::error::Error + Send + Sync>> {
    use http_body_util::{BodyExt, Full};
    let authority = upstream.strip_prefix("http://").unwrap_or(upstream);
    let stream = tokio::net::TcpStream::connect(authority).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let uri = match &call.query {
        Some(query) => format!("{}?{query}", call.path),
        None => call.path.clone(),
    };
    let mut request = hyper::Request::builder()
        .method(call.method.as_str())
        .uri(uri)
        .header("host", authority);
    for (name, value) in call.headers.iter().filter(|(name, _)| name != "host") {
        request = request.header(name, value);
    }
    let response = sender
        .send_request(request.body(Full::new(call.body.clone()))?)
        .await?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .filter(|(k, _)| k != "transfer-encoding" && k != "content-length" && k != "connection")
        .collect();
    let body = response.into_body().collect().await?.to_bytes();
    Ok(Reply::respond(status, headers, body))
}
