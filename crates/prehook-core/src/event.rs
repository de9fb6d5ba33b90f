//! The events a check sends: an HTTP request dressed as API Gateway (REST or HTTP API) or ALB
//! would deliver it, or a raw payload.
//!
//! A REST API with `integration: lambda` does not pass the request itself: it maps it with the
//! framework's default request template (serverless@3
//! `lib/plugins/aws/package/compile/events/api-gateway/lib/method/integration.js`), and
//! [`lambda_integration_event`] builds what that template writes.
//!
//! The HTTP events carry every field the common adapters read to route a request: lambda_http
//! (Rust), Bref (PHP), serverless-http (Node) and Mangum (Python). `requestContext.stage` is left
//! out of REST events and is `$default` in HTTP API events, because lambda_http prefixes the path
//! with any other stage and the check would hit `/dev/healthcheck` instead of `/healthcheck`.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use crate::VERSION;
use crate::check::{Body, EventKind, HttpRequest, Request};
use crate::route;

/// Identifies our requests: `User-Agent: serverless-prehook/<version>`.
pub fn user_agent() -> String {
    format!("serverless-prehook/{VERSION}")
}

/// The per-invocation facts an event carries that the core cannot know (it has no clock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventContext {
    /// `requestContext.requestId`.
    pub request_id: String,
    /// Milliseconds since the Unix epoch.
    pub time_epoch_ms: u64,
}

impl Default for EventContext {
    fn default() -> Self {
        Self {
            request_id: "serverless-prehook".into(),
            time_epoch_ms: 0,
        }
    }
}

/// The payload to invoke the function with, for its event kind.
///
/// An HTTP request of a raw function (or the reverse) cannot come out of the config parser; if it
/// does anyway, a raw payload is sent as it is and an HTTP request as its JSON form.
pub fn build_event(kind: EventKind, request: &Request, context: &EventContext) -> Value {
    match (kind, request) {
        (EventKind::ApiGateway, Request::Http(http)) => rest_api_event(http, context),
        (EventKind::ApiGatewayLambda, Request::Http(http)) => lambda_integration_event(http),
        (EventKind::HttpApi, Request::Http(http)) => http_api_event(http, context),
        (EventKind::Alb, Request::Http(http)) => alb_event(http),
        (_, Request::Raw(payload)) => payload.clone(),
        (EventKind::Raw, Request::Http(http)) => {
            serde_json::to_value(http).expect("a request serialises")
        }
    }
}

/// Lambda's `ClientContext` for raw invokes, base64 JSON as the Invoke API takes it, so that a
/// function can tell a check from real traffic (`context.clientContext.Custom` in Node).
pub fn client_context() -> String {
    let context = json!({"custom": {"serverless-prehook": VERSION}});
    STANDARD.encode(context.to_string())
}

/// The headers sent: the configured ones plus `User-Agent` and, for a JSON body, `Content-Type`,
/// unless the check sets them itself. Secret references are resolved before an event is built
/// (the engine does it); one left unresolved is not sent.
fn headers(http: &HttpRequest) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = http
        .headers
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.plain()?.to_owned())))
        .collect();
    let has = |headers: &[(String, String)], name: &str| {
        headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
    };
    if !has(&headers, "user-agent") {
        headers.push(("User-Agent".into(), user_agent()));
    }
    if http.body.as_ref().is_some_and(|b| b.is_json()) && !has(&headers, "content-type") {
        headers.push(("Content-Type".into(), "application/json".into()));
    }
    headers
}

/// `a=1&b=2&b=3` as ordered (name, value) pairs; `decode` percent-decodes as API Gateway does.
fn query_pairs(query: &str, decode: bool) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            if decode {
                (percent_decode(name), percent_decode(value))
            } else {
                (name.to_owned(), value.to_owned())
            }
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Single-value map (the last value wins, as in API Gateway) and multi-value map; `null` when empty,
/// as API Gateway sends them.
fn single_and_multi(pairs: &[(String, String)]) -> (Value, Value) {
    if pairs.is_empty() {
        return (Value::Null, Value::Null);
    }
    let mut single = Map::new();
    let mut multi: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for (name, value) in pairs {
        single.insert(name.clone(), Value::from(value.as_str()));
        multi
            .entry(name)
            .or_default()
            .push(Value::from(value.as_str()));
    }
    let multi = multi
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Value::Array(v)))
        .collect::<Map<_, _>>();
    (Value::Object(single), Value::Object(multi))
}

fn body(http: &HttpRequest) -> Value {
    http.body
        .as_ref()
        .map_or(Value::Null, |body| Value::from(body.to_text()))
}

/// The declared route a request goes to and its path parameters, when the request names a
/// route that matches its path.
fn declared_route(http: &HttpRequest) -> Option<(&str, BTreeMap<String, String>)> {
    let route = http.route.as_deref()?;
    route::path_parameters(route, http.path_only()).map(|params| (route, params))
}

/// API Gateway REST API, Lambda proxy integration (payload format 1.0): routed by the request's
/// declared route, else by `/{proxy+}`.
fn rest_api_event(http: &HttpRequest, context: &EventContext) -> Value {
    let path = http.path_only();
    let headers = headers(http);
    let (header_map, multi_headers) = single_and_multi(&headers);
    let query = query_pairs(&http.query().unwrap_or_default(), true);
    let (query_map, multi_query) = single_and_multi(&query);
    let (resource, path_parameters) = match declared_route(http) {
        Some((route, params)) if params.is_empty() => (route, Value::Null),
        Some((route, params)) => (route, json!(params)),
        None => {
            let proxy = path.trim_start_matches('/');
            let params = if proxy.is_empty() {
                Value::Null
            } else {
                json!({ "proxy": proxy })
            };
            ("/{proxy+}", params)
        }
    };
    let user_agent = header_value(&headers, "user-agent");
    json!({
        "resource": resource,
        "path": path,
        "httpMethod": http.method,
        "headers": header_map,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query_map,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": path_parameters,
        "stageVariables": null,
        "requestContext": {
            "resourceId": "prehook",
            "resourcePath": resource,
            "httpMethod": http.method,
            "path": path,
            "accountId": "000000000000",
            "apiId": "prehook",
            "protocol": "HTTP/1.1",
            "requestId": context.request_id,
            "extendedRequestId": context.request_id,
            "requestTimeEpoch": context.time_epoch_ms,
            "identity": {"sourceIp": "127.0.0.1", "userAgent": user_agent},
        },
        "body": body(http),
        "isBase64Encoded": false,
    })
}

/// API Gateway HTTP API, payload format 2.0: lower-case header names, repeated values joined with
/// commas, cookies in their own list.
fn http_api_event(http: &HttpRequest, context: &EventContext) -> Value {
    let path = http.path_only();
    let mut headers: Vec<(String, String)> = headers(http)
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let cookies: Vec<String> = headers
        .iter()
        .filter(|(k, _)| k == "cookie")
        .flat_map(|(_, v)| v.split(';').map(|c| c.trim().to_owned()))
        .filter(|c| !c.is_empty())
        .collect();
    headers.retain(|(k, _)| k != "cookie");
    let user_agent = header_value(&headers, "user-agent");
    let raw_query = http.query().unwrap_or_default();
    let query = query_pairs(&raw_query, true);
    let mut query_map: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in &query {
        query_map
            .entry(name.clone())
            .and_modify(|joined| {
                joined.push(',');
                joined.push_str(value);
            })
            .or_insert_with(|| value.clone());
    }
    let mut event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": headers.into_iter().collect::<BTreeMap<_, _>>(),
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "prehook",
            "domainName": "prehook.execute-api.localhost",
            "domainPrefix": "prehook",
            "http": {
                "method": http.method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": user_agent,
            },
            "requestId": context.request_id,
            "routeKey": "$default",
            "stage": "$default",
            "timeEpoch": context.time_epoch_ms,
        },
        "body": body(http),
        "isBase64Encoded": false,
    });
    if !query_map.is_empty() {
        event["queryStringParameters"] = json!(query_map);
    }
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    if let Some((route, params)) = declared_route(http) {
        let route_key = format!("{} {route}", http.method);
        event["routeKey"] = json!(route_key);
        event["requestContext"]["routeKey"] = json!(route_key);
        if !params.is_empty() {
            event["pathParameters"] = json!(params);
        }
    }
    event
}

/// API Gateway REST API, Lambda integration (`integration: lambda`): what the framework's
/// default request template writes. Its fields, in the template's order: `body` (the JSON body,
/// or the fields of a form body, `{}` without one), `method`, `principalId`, `stage`,
/// `cognitoPoolClaims`, `enhancedAuthContext`, `headers`, `query`, `path` (the path parameters),
/// `identity`, `stageVariables` and `requestPath` (the declared route). There is no authorizer
/// and no stage variable in a check, so those are empty as API Gateway leaves them; `stage` is
/// `prehook`, as the check goes through no stage.
pub fn lambda_integration_event(http: &HttpRequest) -> Value {
    let headers = headers(http);
    let is_form = header_value(&headers, "content-type")
        .as_str()
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    let body = match &http.body {
        None => json!({}),
        Some(Body::Json(value)) => value.clone(),
        Some(Body::Text(text)) if is_form => {
            let fields: Map<String, Value> = query_pairs(text, true)
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            Value::Object(fields)
        }
        // `$input.json("$")` of a text that is no JSON: API Gateway passes it as a string.
        Some(Body::Text(text)) => {
            serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone()))
        }
    };
    let to_map = |pairs: Vec<(String, String)>| -> Map<String, Value> {
        pairs
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect()
    };
    let query = to_map(query_pairs(&http.query().unwrap_or_default(), true));
    let (request_path, path) = match declared_route(http) {
        Some((route, params)) => (route.to_owned(), to_map(params.into_iter().collect())),
        None => (http.path_only().to_owned(), Map::new()),
    };
    let user_agent = header_value(&headers, "user-agent");
    // `$context.identity` as the template loops over it: every field, empty when unknown.
    let mut identity = Map::new();
    for field in [
        "accountId",
        "apiKey",
        "apiKeyId",
        "caller",
        "cognitoAuthenticationProvider",
        "cognitoAuthenticationType",
        "cognitoIdentityId",
        "cognitoIdentityPoolId",
        "principalOrgId",
        "user",
        "userArn",
    ] {
        identity.insert(field.to_owned(), json!(""));
    }
    identity.insert("sourceIp".into(), json!("127.0.0.1"));
    identity.insert("userAgent".into(), user_agent);
    json!({
        "body": body,
        "method": http.method,
        "principalId": "",
        "stage": "prehook",
        "cognitoPoolClaims": {"sub": ""},
        "enhancedAuthContext": {},
        "headers": to_map(headers),
        "query": query,
        "path": path,
        "identity": identity,
        "stageVariables": {},
        "requestPath": request_path,
    })
}

/// Application Load Balancer target, without multi-value headers (the target group default).
/// ALB passes query values as they were sent, still percent-encoded.
fn alb_event(http: &HttpRequest) -> Value {
    let headers: BTreeMap<String, String> = headers(http)
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let query: BTreeMap<String, String> = query_pairs(&http.query().unwrap_or_default(), false)
        .into_iter()
        .collect();
    json!({
        "requestContext": {
            "elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/serverless-prehook/0000000000000000"}
        },
        "httpMethod": http.method,
        "path": http.path_only(),
        "queryStringParameters": query,
        "headers": headers,
        "body": http.body.as_ref().map_or(String::new(), |b| b.to_text()),
        "isBase64Encoded": false,
    })
}

fn header_value(headers: &[(String, String)], name: &str) -> Value {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map_or(Value::Null, |(_, v)| Value::from(v.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Body;
    use aws_lambda_events::alb::AlbTargetGroupRequest;
    use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayV2httpRequest};

    fn request(method: &str, path: &str) -> HttpRequest {
        HttpRequest {
            method: method.into(),
            path: path.into(),
            route: None,
            headers: BTreeMap::new(),
            query: BTreeMap::new(),
            body: None,
        }
    }

    fn build(kind: EventKind, http: &HttpRequest) -> Value {
        let context = EventContext {
            request_id: "req-1".into(),
            time_epoch_ms: 1_700_000_000_000,
        };
        build_event(kind, &Request::Http(http.clone()), &context)
    }

    #[test]
    fn rest_api_event_deserializes_with_split_query_and_user_agent() {
        let mut http = request("GET", "/search?q=a%20b&tag=x&tag=y&empty");
        http.headers.insert("X-Trace".into(), "t1".into());
        let value = build(EventKind::ApiGateway, &http);
        let event: ApiGatewayProxyRequest = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(event.http_method, aws_lambda_events::http::Method::GET);
        assert_eq!(event.path.as_deref(), Some("/search"));
        assert_eq!(
            event.query_string_parameters.first("q"),
            Some("a b"),
            "API Gateway decodes query values"
        );
        assert_eq!(event.query_string_parameters.first("tag"), Some("y"));
        assert_eq!(
            event.multi_value_query_string_parameters.all("tag"),
            Some(vec!["x", "y"])
        );
        assert_eq!(event.query_string_parameters.first("empty"), Some(""));
        assert_eq!(
            event.headers.get("user-agent").unwrap(),
            &format!("serverless-prehook/{VERSION}")
        );
        assert_eq!(event.headers.get("x-trace").unwrap(), "t1");
        assert_eq!(
            event.multi_value_headers.get_all("x-trace").iter().count(),
            1
        );
        assert_eq!(
            event.path_parameters.get("proxy").map(String::as_str),
            Some("search")
        );
        assert_eq!(
            event.request_context.stage, None,
            "no stage: lambda_http would prefix it"
        );
        assert_eq!(event.request_context.request_id.as_deref(), Some("req-1"));
        assert_eq!(event.body, None);
        assert!(!event.is_base64_encoded);
        // Mangum and Bref read these directly from the JSON.
        assert_eq!(value["requestContext"]["resourcePath"], "/{proxy+}");
        assert_eq!(value["requestContext"]["identity"]["sourceIp"], "127.0.0.1");
    }

    #[test]
    fn a_path_without_query_has_null_query_maps_like_api_gateway() {
        let value = build(EventKind::ApiGateway, &request("GET", "/"));
        assert_eq!(value["queryStringParameters"], Value::Null);
        assert_eq!(value["multiValueQueryStringParameters"], Value::Null);
        assert_eq!(value["pathParameters"], Value::Null);
        let event: ApiGatewayProxyRequest = serde_json::from_value(value).unwrap();
        assert_eq!(event.path.as_deref(), Some("/"));
    }

    #[test]
    fn json_bodies_are_sent_as_text_with_a_json_content_type() {
        let mut http = request("POST", "/items");
        http.body = Some(Body::Json(json!({"name": "a"})));
        for kind in [EventKind::ApiGateway, EventKind::HttpApi, EventKind::Alb] {
            let value = build(kind, &http);
            assert_eq!(value["body"], r#"{"name":"a"}"#, "{kind}");
            let headers = value["headers"].as_object().unwrap();
            let content_type = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                .map(|(_, v)| v.clone());
            assert_eq!(content_type, Some(json!("application/json")), "{kind}");
        }
        // A text body keeps the configured content type and gets none added.
        let mut http = request("POST", "/form");
        http.body = Some(Body::Text("a=1".into()));
        http.headers.insert(
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        );
        let value = build(EventKind::ApiGateway, &http);
        assert_eq!(value["body"], "a=1");
        assert_eq!(
            value["headers"]["Content-Type"],
            "application/x-www-form-urlencoded"
        );
        assert_eq!(value["headers"].as_object().unwrap().len(), 2);
    }

    #[test]
    fn configured_user_agent_is_kept() {
        let mut http = request("GET", "/");
        http.headers.insert("user-agent".into(), "mine".into());
        let value = build(EventKind::ApiGateway, &http);
        assert_eq!(value["headers"], json!({"user-agent": "mine"}));
    }

    #[test]
    fn http_api_event_deserializes_with_default_stage_and_cookies() {
        let mut http = request("DELETE", "/items/7?force=true&tag=a&tag=b");
        http.headers.insert("Cookie".into(), "a=1; b=2".into());
        http.headers.insert("X-Api-Key".into(), "k".into());
        let value = build(EventKind::HttpApi, &http);
        let event: ApiGatewayV2httpRequest = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(event.version.as_deref(), Some("2.0"));
        assert_eq!(event.raw_path.as_deref(), Some("/items/7"));
        assert_eq!(
            event.raw_query_string.as_deref(),
            Some("force=true&tag=a&tag=b")
        );
        assert_eq!(
            event.request_context.http.method,
            aws_lambda_events::http::Method::DELETE
        );
        assert_eq!(event.request_context.http.path.as_deref(), Some("/items/7"));
        assert_eq!(event.request_context.stage.as_deref(), Some("$default"));
        // AWS joins repeated values with commas; the Rust runtime splits them back.
        assert_eq!(value["queryStringParameters"]["tag"], "a,b");
        assert_eq!(
            event.query_string_parameters.all("tag"),
            Some(vec!["a", "b"])
        );
        assert_eq!(event.query_string_parameters.first("force"), Some("true"));
        assert_eq!(
            event.cookies,
            Some(vec!["a=1".to_owned(), "b=2".to_owned()])
        );
        assert!(event.headers.get("cookie").is_none());
        assert_eq!(event.headers.get("x-api-key").unwrap(), "k");
        assert!(
            value["headers"]
                .as_object()
                .unwrap()
                .keys()
                .all(|k| k == &k.to_ascii_lowercase())
        );
        assert_eq!(event.route_key.as_deref(), Some("$default"));
    }

    #[test]
    fn alb_event_deserializes_with_query_values_as_sent() {
        let mut http = request("PUT", "/upload?name=a%20b");
        http.body = Some(Body::Text("data".into()));
        let value = build(EventKind::Alb, &http);
        let event: AlbTargetGroupRequest = serde_json::from_value(value).unwrap();
        assert_eq!(event.http_method, aws_lambda_events::http::Method::PUT);
        assert_eq!(event.path.as_deref(), Some("/upload"));
        assert_eq!(event.query_string_parameters.first("name"), Some("a%20b"));
        assert!(event.request_context.elb.target_group_arn.is_some());
        assert_eq!(event.body.as_deref(), Some("data"));
        assert!(
            event
                .headers
                .get("user-agent")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("serverless-prehook/")
        );
    }

    #[test]
    fn raw_payload_is_sent_as_is_with_a_client_context() {
        let payload = json!({"ping": true, "n": [1, 2]});
        let value = build_event(
            EventKind::Raw,
            &Request::Raw(payload.clone()),
            &EventContext::default(),
        );
        assert_eq!(value, payload);
        let decoded = STANDARD.decode(client_context()).unwrap();
        let context: Value = serde_json::from_slice(&decoded).unwrap();
        assert_eq!(context, json!({"custom": {"serverless-prehook": VERSION}}));
    }

    #[test]
    fn a_declared_route_names_the_resource_and_its_path_parameters() {
        let mut http = request("GET", "/users/7?full=1");
        http.route = Some("/users/{id}".into());
        let value = build(EventKind::ApiGateway, &http);
        let event: ApiGatewayProxyRequest = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(event.resource.as_deref(), Some("/users/{id}"));
        assert_eq!(
            event.path_parameters.get("id").map(String::as_str),
            Some("7")
        );
        assert_eq!(value["requestContext"]["resourcePath"], "/users/{id}");
        let value = build(EventKind::HttpApi, &http);
        let event: ApiGatewayV2httpRequest = serde_json::from_value(value).unwrap();
        assert_eq!(event.route_key.as_deref(), Some("GET /users/{id}"));
        assert_eq!(
            event.path_parameters.get("id").map(String::as_str),
            Some("7")
        );
        // A route that does not match the path is not claimed.
        http.route = Some("/orders/{id}".into());
        let value = build(EventKind::ApiGateway, &http);
        assert_eq!(value["resource"], "/{proxy+}");
        assert_eq!(value["pathParameters"], json!({"proxy": "users/7"}));
    }

    #[test]
    fn lambda_integration_event_is_the_frameworks_request_template() {
        let mut http = request("GET", "/users/7?full=1&q=a%20b");
        http.route = Some("/users/{id}".into());
        http.headers.insert("X-Trace".into(), "t1".into());
        let value = build(EventKind::ApiGatewayLambda, &http);
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected = [
            "body",
            "method",
            "principalId",
            "stage",
            "cognitoPoolClaims",
            "enhancedAuthContext",
            "headers",
            "query",
            "path",
            "identity",
            "stageVariables",
            "requestPath",
        ];
        expected.sort_unstable();
        assert_eq!(keys, expected);
        assert_eq!(value["path"], json!({"id": "7"}));
        assert_eq!(value["query"], json!({"full": "1", "q": "a b"}));
        assert_eq!(value["method"], "GET");
        assert_eq!(value["body"], json!({}));
        assert_eq!(value["requestPath"], "/users/{id}");
        assert_eq!(value["headers"]["X-Trace"], "t1");
        assert_eq!(value["identity"]["userAgent"], user_agent());
        assert_eq!(value["identity"]["sourceIp"], "127.0.0.1");
        assert_eq!(value["cognitoPoolClaims"], json!({"sub": ""}));
        // Bodies: JSON as the value, a form as its fields, other text as JSON if it is JSON.
        let mut post = request("POST", "/items");
        post.body = Some(Body::Json(json!({"n": 1})));
        assert_eq!(
            build(EventKind::ApiGatewayLambda, &post)["body"],
            json!({"n": 1})
        );
        assert_eq!(build(EventKind::ApiGatewayLambda, &post)["path"], json!({}));
        post.body = Some(Body::Text("a=1&b=x%20y".into()));
        post.headers.insert(
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        );
        assert_eq!(
            build(EventKind::ApiGatewayLambda, &post)["body"],
            json!({"a": "1", "b": "x y"})
        );
        post.headers.clear();
        post.body = Some(Body::Text("[1]".into()));
        assert_eq!(
            build(EventKind::ApiGatewayLambda, &post)["body"],
            json!([1])
        );
    }

    #[test]
    fn percent_decoding_leaves_broken_escapes_alone() {
        assert_eq!(percent_decode("a%2Fb+c"), "a/b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%C3%A9"), "é");
    }
}
