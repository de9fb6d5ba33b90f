//! One check: the request sent to the new version and what its answer must satisfy.
//!
//! The same parser reads what a user writes in `serverless.yml` (with its shorthands) and the
//! normalised form the plugin hands to the hook, so both sides agree on every rule.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::ConfigErrors;
use crate::node::{Node, describe, index, integer, join, object, string, strings};
use crate::pattern::{Pattern, ValueMatcher};
use crate::secret::{SecretRef, Text, parse_text, percent_encode};
use crate::status::StatusSpec;

/// How the new version is invoked: the shape of the event it receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// API Gateway REST API, Lambda proxy integration, payload format 1.0.
    ApiGateway,
    /// API Gateway REST API, Lambda (non-proxy) integration (`integration: lambda`): the
    /// framework's default request template maps the request, and the function's return value
    /// is the response body.
    #[serde(rename = "apigateway-lambda")]
    ApiGatewayLambda,
    /// API Gateway HTTP API, payload format 2.0.
    HttpApi,
    /// Application Load Balancer target.
    Alb,
    /// Any other trigger: a JSON payload sent as it is.
    Raw,
}

impl EventKind {
    pub const NAMES: [&'static str; 5] =
        ["apigateway", "apigateway-lambda", "httpapi", "alb", "raw"];

    pub fn is_http(self) -> bool {
        self != Self::Raw
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ApiGateway => "apigateway",
            Self::ApiGatewayLambda => "apigateway-lambda",
            Self::HttpApi => "httpapi",
            Self::Alb => "alb",
            Self::Raw => "raw",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "apigateway" => Some(Self::ApiGateway),
            "apigateway-lambda" => Some(Self::ApiGatewayLambda),
            "httpapi" => Some(Self::HttpApi),
            "alb" => Some(Self::Alb),
            "raw" => Some(Self::Raw),
            _ => None,
        }
    }

    pub(crate) fn parse(node: Node<'_>, errors: &mut ConfigErrors) -> Option<Self> {
        let found = node.value.as_str().and_then(Self::from_name);
        if found.is_none() {
            errors.push(
                node.path,
                format!(
                    "expected one of {}, got {}",
                    Self::NAMES.join(", "),
                    describe(node.value)
                ),
            );
        }
        found
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One check of a function's new version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// Shown in logs and verdicts: the user's `name`, or `GET /healthcheck`, or `invoke`.
    pub name: String,
    #[serde(flatten)]
    pub request: Request,
    pub expect: Expect,
}

/// What is sent: an HTTP request wrapped in the function's event kind, or a raw payload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Request {
    #[serde(rename = "request")]
    Http(HttpRequest),
    #[serde(rename = "payload")]
    Raw(Value),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HttpRequest {
    /// Upper case: `GET`, `POST`, ...
    pub method: String,
    /// Starts with `/`; may carry a query string (`/search?q=a&q=b`).
    pub path: String,
    /// The declared route this path is sent to (`/users/{id}`), for the events that name it and
    /// its path parameters; inferred from the function's events unless given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// Values are text, or secret references resolved when the checks run.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, Text>,
    /// Query parameters besides the path's own query string, sent after it; values as for
    /// `headers` (a secret belongs here, not in `path`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
}

impl HttpRequest {
    /// The path without its query string.
    pub fn path_only(&self) -> &str {
        self.path
            .split_once('?')
            .map_or(&self.path, |(path, _)| path)
    }

    /// The raw query string: the path's own after `?`, then the `query` parameters
    /// percent-encoded (a secret reference still unresolved is left out: see
    /// [`HttpRequest::with_secrets`]).
    pub fn query(&self) -> Option<String> {
        let own = self
            .path
            .split_once('?')
            .map(|(_, query)| query)
            .filter(|q| !q.is_empty());
        let added = self.query.iter().filter_map(|(name, value)| {
            let value = value.plain()?;
            Some(format!(
                "{}={}",
                percent_encode(name),
                percent_encode(value)
            ))
        });
        let parts: Vec<String> = own.map(str::to_owned).into_iter().chain(added).collect();
        (!parts.is_empty()).then(|| parts.join("&"))
    }

    /// Every secret reference of the request: header values, then query values.
    pub fn secrets(&self) -> impl Iterator<Item = &SecretRef> {
        self.headers
            .values()
            .chain(self.query.values())
            .filter_map(Text::secret)
    }

    /// The request with every secret reference replaced by `resolve`'s text; `Err` names the
    /// first reference it has none for.
    pub fn with_secrets(
        &self,
        resolve: impl Fn(&SecretRef) -> Option<String>,
    ) -> Result<Self, SecretRef> {
        let swap = |map: &BTreeMap<String, Text>| -> Result<BTreeMap<String, Text>, SecretRef> {
            map.iter()
                .map(|(name, value)| match value {
                    Text::Plain(_) => Ok((name.clone(), value.clone())),
                    Text::Secret(reference) => resolve(reference)
                        .map(|text| (name.clone(), Text::Plain(text)))
                        .ok_or_else(|| reference.clone()),
                })
                .collect()
        };
        Ok(Self {
            headers: swap(&self.headers)?,
            query: swap(&self.query)?,
            ..self.clone()
        })
    }
}

/// A request body: text as written, or any other value sent as JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Body {
    Text(String),
    Json(Value),
}

impl Body {
    pub fn to_text(&self) -> String {
        match self {
            Self::Text(text) => text.clone(),
            Self::Json(value) => value.to_string(),
        }
    }

    pub fn is_json(&self) -> bool {
        matches!(self, Self::Json(_))
    }
}

/// What the answer must satisfy. Which fields apply depends on the event kind:
/// HTTP checks use `status`, `body*`, `headers`; raw checks use `output*`; both use `json`
/// and `maxDurationMs`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Expect {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusSpec>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub body_contains: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_matches: Option<Pattern>,
    /// Header names are kept lower case: HTTP header names are case-insensitive.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, ValueMatcher>,
    /// JSON Pointer (`/data/status`) into the response body (HTTP) or the output (raw).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub json: BTreeMap<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_duration_ms: Option<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub output_contains: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_matches: Option<Pattern>,
}

impl Expect {
    /// The accepted status codes: the configured ones, or 200-399.
    pub fn status_or_default(&self) -> StatusSpec {
        self.status.clone().unwrap_or_default()
    }
}

pub const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
pub const HTTP_CHECK_KEYS: [&str; 3] = ["name", "request", "expect"];
pub const RAW_CHECK_KEYS: [&str; 3] = ["name", "payload", "expect"];
pub const REQUEST_KEYS: [&str; 6] = ["method", "path", "route", "headers", "query", "body"];
pub const HTTP_EXPECT_KEYS: [&str; 6] = [
    "status",
    "bodyContains",
    "bodyMatches",
    "headers",
    "json",
    "maxDurationMs",
];
pub const RAW_EXPECT_KEYS: [&str; 4] = ["outputContains", "outputMatches", "json", "maxDurationMs"];
/// Upper bound of `maxDurationMs`: Lambda's own maximum run time.
pub const MAX_DURATION_MS: u64 = 900_000;

/// Parses `checks` of a function whose event kind is `event`; `path` names the list.
pub fn parse_checks(
    value: &Value,
    path: &str,
    event: EventKind,
) -> Result<Vec<Check>, ConfigErrors> {
    let mut errors = ConfigErrors::default();
    let checks = parse_check_list(Node::new(value, path), event, &mut errors);
    errors.into_result(checks)
}

pub(crate) fn parse_check_list(
    node: Node<'_>,
    event: EventKind,
    errors: &mut ConfigErrors,
) -> Vec<Check> {
    let Value::Array(items) = node.value else {
        errors.push(
            node.path,
            format!("expected a list of checks, got {}", describe(node.value)),
        );
        return Vec::new();
    };
    if items.is_empty() {
        errors.push(
            node.path,
            "expected at least one check: an empty list would let every version through",
        );
    }
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let path = index(node.path, i);
            parse_check(Node::new(item, &path), event, errors)
        })
        .collect()
}

fn parse_check(node: Node<'_>, event: EventKind, errors: &mut ConfigErrors) -> Option<Check> {
    if let Value::String(text) = node.value {
        if !event.is_http() {
            errors.push(
                node.path,
                "a check of a raw function is a mapping with `payload` and `expect` (`METHOD /path` applies to HTTP events)",
            );
            return None;
        }
        let request = parse_request_line(text, node.path, errors)?;
        let name = format!("{} {}", request.method, request.path);
        return Some(Check {
            name,
            request: Request::Http(request),
            expect: Expect::default(),
        });
    }

    let keys: &[&str] = if event.is_http() {
        &HTTP_CHECK_KEYS
    } else {
        &RAW_CHECK_KEYS
    };
    let map = object(node, keys, errors)?;
    for (misplaced, hint) in [
        (
            "payload",
            "`payload` applies to raw functions; an HTTP check sends a `request`",
        ),
        (
            "request",
            "`request` applies to HTTP functions; a raw check sends a `payload`",
        ),
    ] {
        if map.contains_key(misplaced) && !keys.contains(&misplaced) {
            errors.0.retain(|e| e.path != join(node.path, misplaced));
            errors.push(
                join(node.path, misplaced),
                format!("{hint} (this function's event is {event})"),
            );
        }
    }

    let field = |key: &str| map.get(key).map(|value| (value, join(node.path, key)));
    let name = field("name").and_then(|(value, path)| string(Node::new(value, &path), errors));
    let expect = match field("expect") {
        Some((value, path)) => parse_expect(Node::new(value, &path), event, errors)?,
        None => Expect::default(),
    };

    let request = if event.is_http() {
        let (value, path) = field("request").ok_or_else(|| {
            errors.push(node.path, "missing `request`: write `request: GET /path` or a mapping with `method` and `path`");
        }).ok()?;
        Request::Http(parse_request(Node::new(value, &path), errors)?)
    } else {
        Request::Raw(
            field("payload").map_or_else(|| Value::Object(Map::new()), |(value, _)| value.clone()),
        )
    };
    let name = name.unwrap_or_else(|| match &request {
        Request::Http(http) => format!("{} {}", http.method, http.path),
        Request::Raw(_) => "invoke".to_owned(),
    });
    Some(Check {
        name,
        request,
        expect,
    })
}

/// `GET /path?query`, or just `/path` for a GET.
fn parse_request_line(text: &str, path: &str, errors: &mut ConfigErrors) -> Option<HttpRequest> {
    let mut words = text.split_whitespace();
    let (method, target) = match (words.next(), words.next(), words.next()) {
        (Some(target), None, None) if target.starts_with('/') => ("GET", target),
        (Some(method), Some(target), None) => (method, target),
        _ => {
            errors.push(
                path,
                format!("expected `METHOD /path` (for example `GET /healthcheck`), got {text:?}"),
            );
            return None;
        }
    };
    let method = check_method(method, path, errors);
    let target = check_path(target, path, errors);
    Some(HttpRequest {
        method: method?,
        path: target?,
        route: None,
        headers: BTreeMap::new(),
        query: BTreeMap::new(),
        body: None,
    })
}

fn check_method(method: &str, path: &str, errors: &mut ConfigErrors) -> Option<String> {
    let upper = method.to_ascii_uppercase();
    if METHODS.contains(&upper.as_str()) {
        Some(upper)
    } else {
        errors.push(
            path,
            format!(
                "unknown HTTP method {method:?}; expected one of {}",
                METHODS.join(", ")
            ),
        );
        None
    }
}

fn check_path(target: &str, path: &str, errors: &mut ConfigErrors) -> Option<String> {
    if target.starts_with('/') && !target.contains(char::is_whitespace) {
        Some(target.to_owned())
    } else {
        errors.push(
            path,
            format!("the path must start with `/` and contain no spaces, got {target:?}"),
        );
        None
    }
}

/// A route is a path template: `/users/{id}`, `/files/{key+}`, without a query string.
fn check_route(route: &str, path: &str, errors: &mut ConfigErrors) -> Option<String> {
    let target = check_path(route, path, errors)?;
    if target.contains('?') {
        errors.push(
            path,
            format!("a route is a path template like `/users/{{id}}`, without a query string, got {route:?}"),
        );
        return None;
    }
    Some(target)
}

fn parse_request(node: Node<'_>, errors: &mut ConfigErrors) -> Option<HttpRequest> {
    if let Value::String(text) = node.value {
        return parse_request_line(text, node.path, errors);
    }
    let map = object(node, &REQUEST_KEYS, errors)?;
    let field = |key: &str| map.get(key).map(|value| (value, join(node.path, key)));

    let method = match field("method") {
        Some((value, path)) => {
            string(Node::new(value, &path), errors).and_then(|m| check_method(&m, &path, errors))
        }
        None => Some("GET".to_owned()),
    };
    let target = match field("path") {
        Some((value, path)) => {
            string(Node::new(value, &path), errors).and_then(|p| check_path(&p, &path, errors))
        }
        None => {
            errors.push(node.path, "missing `path` (for example `/healthcheck`)");
            None
        }
    };
    let route = match field("route") {
        Some((value, path)) => string(Node::new(value, &path), errors)
            .and_then(|r| check_route(&r, &path, errors))
            .map(Some),
        None => Some(None),
    };
    let headers = field("headers")
        .map(|(value, path)| parse_values(Node::new(value, &path), "header", errors))
        .unwrap_or_default();
    let query = field("query")
        .map(|(value, path)| parse_values(Node::new(value, &path), "query", errors))
        .unwrap_or_default();
    let body = field("body").and_then(|(value, _)| match value {
        Value::Null => None,
        Value::String(text) => Some(Body::Text(text.clone())),
        other => Some(Body::Json(other.clone())),
    });
    Some(HttpRequest {
        method: method?,
        path: target?,
        route: route?,
        headers,
        query,
        body,
    })
}

/// `headers` or `query`: names to text or secret references.
fn parse_values(node: Node<'_>, what: &str, errors: &mut ConfigErrors) -> BTreeMap<String, Text> {
    let Value::Object(map) = node.value else {
        let hint = if what == "query" {
            " (a query string goes into `path`: `/orders?page=2`)"
        } else {
            ""
        };
        errors.push(
            node.path,
            format!(
                "expected a mapping of {what} names to values, got {}{hint}",
                describe(node.value)
            ),
        );
        return BTreeMap::new();
    };
    map.iter()
        .filter_map(|(name, value)| {
            let path = join(node.path, name);
            parse_text(Node::new(value, &path), &format!("{what} value"), errors)
                .map(|text| (name.clone(), text))
        })
        .collect()
}

fn parse_expect(node: Node<'_>, event: EventKind, errors: &mut ConfigErrors) -> Option<Expect> {
    let all: Vec<&str> = HTTP_EXPECT_KEYS
        .iter()
        .chain(RAW_EXPECT_KEYS.iter())
        .copied()
        .collect();
    let map = object(node, &all, errors)?;
    let (own, other_kind): (&[&str], &str) = if event.is_http() {
        (
            &HTTP_EXPECT_KEYS,
            "raw functions (use `bodyContains`/`bodyMatches` for HTTP checks)",
        )
    } else {
        (
            &RAW_EXPECT_KEYS,
            "HTTP functions (use `outputContains`/`outputMatches`/`json` for raw checks)",
        )
    };
    for key in map
        .keys()
        .filter(|k| all.contains(&k.as_str()) && !own.contains(&k.as_str()))
    {
        errors.push(
            join(node.path, key),
            format!("applies to {other_kind}; this function's event is {event}"),
        );
    }

    let mut expect = Expect::default();
    for (key, value) in map {
        let path = join(node.path, key);
        let node = Node::new(value, &path);
        match key.as_str() {
            "status" => expect.status = crate::status::StatusSpec::parse(node, errors),
            "bodyContains" => expect.body_contains = strings(node, errors),
            "outputContains" => expect.output_contains = strings(node, errors),
            "bodyMatches" => expect.body_matches = Pattern::parse(node, errors),
            "outputMatches" => expect.output_matches = Pattern::parse(node, errors),
            "maxDurationMs" => expect.max_duration_ms = integer(node, 1, MAX_DURATION_MS, errors),
            "headers" => expect.headers = parse_expected_headers(node, errors),
            "json" => expect.json = parse_json_expectations(node, errors),
            _ => {}
        }
    }
    Some(expect)
}

fn parse_expected_headers(
    node: Node<'_>,
    errors: &mut ConfigErrors,
) -> BTreeMap<String, ValueMatcher> {
    let Value::Object(map) = node.value else {
        errors.push(
            node.path,
            format!(
                "expected a mapping of header names to values or /regex/, got {}",
                describe(node.value)
            ),
        );
        return BTreeMap::new();
    };
    map.iter()
        .filter_map(|(name, value)| {
            let path = join(node.path, name);
            ValueMatcher::parse(Node::new(value, &path), errors)
                .map(|m| (name.to_ascii_lowercase(), m))
        })
        .collect()
}

fn parse_json_expectations(node: Node<'_>, errors: &mut ConfigErrors) -> BTreeMap<String, Value> {
    let Value::Object(map) = node.value else {
        errors.push(
            node.path,
            format!(
                "expected a mapping of JSON Pointers (`/data/status`) to expected values, got {}",
                describe(node.value)
            ),
        );
        return BTreeMap::new();
    };
    map.iter()
        .filter(|(pointer, _)| {
            let valid = pointer.is_empty() || pointer.starts_with('/');
            if !valid {
                errors.push(
                    join(node.path, pointer),
                    format!("{pointer:?} is not a JSON Pointer: write it with a leading slash, like \"/{}\"", pointer.trim_start_matches(['$', '.']).replace('.', "/")),
                );
            }
            valid
        })
        .map(|(pointer, value)| (pointer.clone(), value.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn http(value: Value) -> Result<Vec<Check>, String> {
        parse_checks(&value, "checks", EventKind::ApiGateway).map_err(|e| e.to_string())
    }

    fn raw(value: Value) -> Result<Vec<Check>, String> {
        parse_checks(&value, "checks", EventKind::Raw).map_err(|e| e.to_string())
    }

    #[test]
    fn shorthand_is_a_get_expecting_success() {
        let checks = http(json!(["GET /healthcheck", "post /form?x=1", "/"])).unwrap();
        let Request::Http(first) = &checks[0].request else {
            panic!()
        };
        assert_eq!(
            (first.method.as_str(), first.path.as_str()),
            ("GET", "/healthcheck")
        );
        assert_eq!(checks[0].name, "GET /healthcheck");
        assert_eq!(checks[0].expect.status_or_default(), StatusSpec::default());
        let Request::Http(second) = &checks[1].request else {
            panic!()
        };
        assert_eq!(
            (
                second.method.as_str(),
                second.path_only(),
                second.query().as_deref()
            ),
            ("POST", "/form", Some("x=1"))
        );
        assert_eq!(checks[2].name, "GET /");
    }

    #[test]
    fn full_check_with_every_http_expectation() {
        let checks = http(json!([{
            "name": "home",
            "request": {"method": "POST", "path": "/api", "headers": {"X-Token": "a", "X-Count": 3}, "body": {"ping": true}},
            "expect": {
                "status": 200, "bodyContains": ["Welcome", "to"], "bodyMatches": "^<html",
                "headers": {"Content-Type": "/json/"}, "json": {"/ok": true}, "maxDurationMs": 500
            }
        }]))
        .unwrap();
        let check = &checks[0];
        assert_eq!(check.name, "home");
        let Request::Http(request) = &check.request else {
            panic!()
        };
        assert_eq!(request.headers["X-Count"], Text::from("3"));
        assert_eq!(request.body, Some(Body::Json(json!({"ping": true}))));
        assert_eq!(check.expect.body_contains, ["Welcome", "to"]);
        assert!(check.expect.headers["content-type"].matches("application/json"));
        assert_eq!(check.expect.json["/ok"], json!(true));
        assert_eq!(check.expect.max_duration_ms, Some(500));
    }

    #[test]
    fn request_shorthand_inside_a_full_check() {
        let checks = http(json!([{"request": "GET /", "expect": {"status": "200-299"}}])).unwrap();
        assert_eq!(checks[0].name, "GET /");
    }

    #[test]
    fn raw_checks_send_a_payload_and_default_to_an_empty_object() {
        let checks =
            raw(json!([{"payload": {"ping": 1}, "expect": {"outputContains": "pong"}}, {}]))
                .unwrap();
        assert_eq!(checks[0].request, Request::Raw(json!({"ping": 1})));
        assert_eq!(checks[0].expect.output_contains, ["pong"]);
        assert_eq!(checks[1].request, Request::Raw(json!({})));
        assert_eq!(checks[1].name, "invoke");
    }

    #[test]
    fn every_error_names_its_path() {
        let err = http(json!([
            "FETCH /x",
            "GET healthcheck",
            {"request": {"path": "/"}, "expect": {"status": 700, "bodyMatches": "(", "outputContains": "x", "jsn": 1}},
            {"expect": {}},
            {"request": "GET /", "payload": {}},
            {"request": "GET /", "expect": {"json": {"data.ok": true}}}
        ]))
        .unwrap_err();
        let lines: Vec<&str> = err.lines().collect();
        assert!(lines.contains(&"checks[0]: unknown HTTP method \"FETCH\"; expected one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"), "{err}");
        assert!(lines.contains(&"checks[1]: the path must start with `/` and contain no spaces, got \"healthcheck\""), "{err}");
        assert!(
            lines.contains(
                &"checks[2].expect.status: expected status codes from 100 to 599, got 700"
            ),
            "{err}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("checks[2].expect.bodyMatches: invalid regular expression")),
            "{err}"
        );
        assert!(lines.iter().any(|l| l.starts_with("checks[2].expect.outputContains: applies to raw functions")), "{err}");
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("checks[2].expect.jsn: unknown key")),
            "{err}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("checks[3]: missing `request`")),
            "{err}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("checks[4].payload: `payload` applies to raw functions")),
            "{err}"
        );
        assert!(lines.contains(&"checks[5].expect.json[\"data.ok\"]: \"data.ok\" is not a JSON Pointer: write it with a leading slash, like \"/data/ok\""), "{err}");
        assert_eq!(lines.len(), 9, "{err}");
    }

    #[test]
    fn a_route_is_a_path_template() {
        let err = http(json!([{"request": {"path": "/a", "route": "/a?x=1"}}, {"request": {"path": "/a", "route": "a"}}]))
            .unwrap_err();
        assert!(
            err.contains("checks[0].request.route: a route is a path template"),
            "{err}"
        );
        assert!(
            err.contains("checks[1].request.route: the path must start with `/`"),
            "{err}"
        );
    }

    #[test]
    fn raw_functions_reject_http_only_keys() {
        let err =
            raw(json!(["GET /", {"request": "GET /", "expect": {"status": 200}}])).unwrap_err();
        assert!(
            err.contains("checks[0]: a check of a raw function is a mapping"),
            "{err}"
        );
        assert!(
            err.contains("checks[1].request: `request` applies to HTTP functions"),
            "{err}"
        );
        assert!(
            err.contains("checks[1].expect.status: applies to HTTP functions"),
            "{err}"
        );
    }

    #[test]
    fn an_empty_list_is_an_error_not_a_free_pass() {
        assert!(
            http(json!([]))
                .unwrap_err()
                .starts_with("checks: expected at least one check")
        );
        assert!(
            http(json!("GET /"))
                .unwrap_err()
                .starts_with("checks: expected a list of checks")
        );
    }

    #[test]
    fn normalised_form_round_trips() {
        let checks = http(json!([
            "GET /healthcheck",
            {"name": "n", "request": {"method": "PUT", "path": "/a?b=c", "body": "text"}, "expect": {"status": ["2xx", 304], "headers": {"ETag": "/^W/"}}},
            {"request": {"path": "/users/7", "route": "/users/{id}"}}
        ]))
        .unwrap();
        let Request::Http(routed) = &checks[2].request else {
            panic!()
        };
        assert_eq!(routed.route.as_deref(), Some("/users/{id}"));
        let normalised = serde_json::to_value(&checks).unwrap();
        assert_eq!(http(normalised).unwrap(), checks);
    }
}
