//! The floor: the HTTP requests a warm hook makes, issued back to back by a minimal client
//! (blocking `std::net::TcpStream`, HTTP/1.1 keep-alive, connections opened beforehand as a warm
//! hook's are), so the table shows how close each hook gets to what the endpoints allow.
//!
//! Same requests as the hooks: take the event from `GET /invocation/next`, `GetDeployment`,
//! `GetApplicationRevision`, Invoke the target version (replaying the payload our hook sent),
//! `PutLifecycleEventHookExecutionStatus`.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::scenario::{Endpoints, function_names};

/// One kept-alive HTTP/1.1 connection.
pub struct Conn {
    host: String,
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Conn {
    pub fn connect(addr: SocketAddr) -> io::Result<Self> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Self {
            host: addr.to_string(),
            reader: BufReader::new(stream.try_clone()?),
            writer: stream,
        })
    }

    /// Sends one request and reads the whole response: status, headers (lower-case names), body.
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> io::Result<Response> {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nhost: {}\r\ncontent-length: {}\r\n",
            self.host,
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut message = head.into_bytes();
        message.extend_from_slice(body);
        self.writer.write_all(&message)?;
        read_response(&mut self.reader)
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> io::Result<Value> {
        serde_json::from_slice(&self.body)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

pub fn read_response(reader: &mut impl BufRead) -> io::Result<Response> {
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| invalid("no status line"))?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(invalid("connection closed in the headers"));
        }
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        if let Some((name, value)) = trimmed.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .ok_or_else(|| invalid("no content-length"))?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// One floor run: event queued to status reported, in milliseconds.
pub async fn floor(payload: Vec<u8>) -> Result<f64, String> {
    let endpoints = Arc::new(Endpoints::start().await.map_err(|e| e.to_string())?);
    let functions = function_names("bench-website", 1);
    endpoints.deploy("d-FLOOR0001", "bench-app", &functions, Duration::ZERO);
    let shared = endpoints.clone();
    let queued = tokio::task::spawn_blocking(move || one_pass(&shared, &payload))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("floor client: {e}"))?;
    let reports = endpoints.codedeploy.reports();
    let report = reports.first().ok_or("floor client: no status reported")?;
    let invoked = endpoints.lambda.calls_of(&functions[0]).len();
    if report.status != "Succeeded" || invoked != 1 {
        return Err(format!(
            "floor client: reported {} after {invoked} invocations",
            report.status
        ));
    }
    Ok(report.at.saturating_duration_since(queued).as_secs_f64() * 1000.0)
}

fn one_pass(endpoints: &Endpoints, payload: &[u8]) -> io::Result<Instant> {
    let addr = |url: String| -> io::Result<SocketAddr> {
        url.trim_start_matches("http://")
            .parse()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
    };
    let mut runtime = Conn::connect(
        endpoints
            .runtime
            .address()
            .parse()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?,
    )?;
    let mut codedeploy = Conn::connect(addr(endpoints.codedeploy.url())?)?;
    let mut lambda = Conn::connect(addr(endpoints.lambda.url())?)?;
    let fail = |what: String| io::Error::other(what);
    let call = |conn: &mut Conn, operation: &str, body: Value| -> io::Result<Value> {
        let target = format!("CodeDeploy_20141006.{operation}");
        let response = conn.request(
            "POST",
            "/",
            &[
                ("x-amz-target", &target),
                ("content-type", "application/x-amz-json-1.1"),
            ],
            body.to_string().as_bytes(),
        )?;
        if response.status != 200 {
            return Err(fail(format!("{operation}: HTTP {}", response.status)));
        }
        response.json()
    };

    let queued = Instant::now();
    endpoints.invoke_hook("d-FLOOR0001", "exec-floor");
    let next = runtime.request("GET", "/2018-06-01/runtime/invocation/next", &[], b"")?;
    let event = next.json()?;
    let request_id = next
        .header("lambda-runtime-aws-request-id")
        .unwrap_or_default()
        .to_owned();
    let deployment_id = event["DeploymentId"].as_str().unwrap_or_default();
    let deployment = call(
        &mut codedeploy,
        "GetDeployment",
        json!({"deploymentId": deployment_id}),
    )?;
    let info = &deployment["deploymentInfo"];
    let revision = call(
        &mut codedeploy,
        "GetApplicationRevision",
        json!({"applicationName": info["applicationName"], "revision": info["revision"]}),
    )?;
    let content = revision["revision"]["appSpecContent"]["content"]
        .as_str()
        .unwrap_or_default();
    let appspec: Value = serde_json::from_str(content).map_err(|e| fail(e.to_string()))?;
    let mut status = "Succeeded";
    for resource in appspec["Resources"].as_array().into_iter().flatten() {
        let properties = resource
            .as_object()
            .and_then(|r| r.values().next())
            .map(|r| &r["Properties"])
            .ok_or_else(|| fail("AppSpec resource without properties".into()))?;
        let path = format!(
            "/2015-03-31/functions/{}/invocations?Qualifier={}",
            properties["Name"].as_str().unwrap_or_default(),
            properties["TargetVersion"].as_str().unwrap_or_default()
        );
        let response = lambda.request(
            "POST",
            &path,
            &[("content-type", "application/json")],
            payload,
        )?;
        if response.status != 200 || response.json()?["statusCode"] != 200 {
            status = "Failed";
        }
    }
    call(
        &mut codedeploy,
        "PutLifecycleEventHookExecutionStatus",
        json!({
            "deploymentId": deployment_id,
            "lifecycleEventHookExecutionId": event["LifecycleEventHookExecutionId"],
            "status": status,
        }),
    )?;
    let path = format!("/2018-06-01/runtime/invocation/{request_id}/response");
    runtime.request("POST", &path, &[], b"{}")?;
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_response_with_its_body() {
        let raw =
            b"HTTP/1.1 202 Accepted\r\nContent-Length: 4\r\nX-Id: a\r\n\r\nbodyHTTP/1.1 200 OK\r\n";
        let mut reader = &raw[..];
        let response = read_response(&mut reader).unwrap();
        assert_eq!(
            (response.status, response.body.as_slice()),
            (202, &b"body"[..])
        );
        assert_eq!(response.header("x-id"), Some("a"));
        assert_eq!(
            reader, b"HTTP/1.1 200 OK\r\n",
            "the next response stays unread"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_floor_client_does_the_whole_job() {
        let payload = json!({"httpMethod": "GET", "path": "/healthcheck"})
            .to_string()
            .into_bytes();
        let ms = floor(payload).await.unwrap();
        assert!(ms > 0.0 && ms < 5000.0, "{ms} ms");
    }
}
