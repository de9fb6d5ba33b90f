//! The HTTP routes a function declares in its `events`, and the event kind each one delivers.

use serde_json::Value;

use crate::check::EventKind;
use crate::route;

/// One declared route: `events[i].<type>` with its method and path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub kind: EventKind,
    /// Upper case as declared: `GET`, `POST`, ..., or `ANY` (`*` in HTTP APIs).
    pub method: String,
    /// A path template (`/users/{id}`) for API Gateway; a concrete path for ALB conditions and
    /// catch-all routes, which have no template.
    pub path: String,
    /// Whether `path` is an API Gateway route template, which names path parameters.
    pub is_template: bool,
    /// Where it is declared: `events[0].http`.
    pub source: String,
    /// As the log shows it: `route ANY /base/{proxy+}`, `catch-all route *`, `path condition /api/*`.
    pub shown: String,
}

impl Route {
    /// `GET`, `ANY` and `*` routes take a GET, the request least likely to change anything.
    pub fn takes_get(&self) -> bool {
        matches!(self.method.as_str(), "GET" | "ANY")
    }

    pub fn accepts(&self, method: &str) -> bool {
        self.method == "ANY" || self.method == method
    }
}

/// The event kind a trigger delivers, when it is an HTTP trigger that invokes the function.
/// An `http` event with an `http`, `http-proxy` or `mock` integration does not invoke it.
pub fn http_kind(event_type: &str, settings: &Value) -> Option<EventKind> {
    match event_type {
        "http" => {
            // The framework's own normalisation: upper case, `-` as `_`, `lambda` is `AWS`.
            let integration = settings
                .get("integration")
                .and_then(Value::as_str)
                .map(|i| i.to_ascii_uppercase().replace('-', "_"));
            let is_async = settings.get("async").and_then(Value::as_bool) == Some(true);
            match integration.as_deref() {
                Some("LAMBDA" | "AWS") => Some(EventKind::ApiGatewayLambda),
                Some("LAMBDA_PROXY" | "AWS_PROXY") => Some(EventKind::ApiGateway),
                None if is_async => Some(EventKind::ApiGatewayLambda),
                None => Some(EventKind::ApiGateway),
                Some(_) => None,
            }
        }
        "httpApi" => Some(EventKind::HttpApi),
        "alb" => Some(EventKind::Alb),
        _ => None,
    }
}

/// Every route of the function's HTTP triggers, in the order of `events`.
pub fn declared(function: &Value) -> Vec<Route> {
    let events = function.get("events").and_then(Value::as_array);
    let mut routes = Vec::new();
    for (i, event) in events.into_iter().flatten().enumerate() {
        let Some((event_type, settings)) = event.as_object().and_then(|m| m.iter().next()) else {
            continue;
        };
        let Some(kind) = http_kind(event_type, settings) else {
            continue;
        };
        let source = format!("events[{i}].{event_type}");
        match kind {
            EventKind::Alb => routes.extend(alb_routes(settings, kind, &source)),
            _ => routes.extend(api_route(settings, kind, source)),
        }
    }
    routes
}

/// `http: GET /path`, `httpApi: 'GET /path'`, `httpApi: '*'` or a mapping with `method`, `path`.
fn api_route(settings: &Value, kind: EventKind, source: String) -> Option<Route> {
    let (method, path) = match settings {
        Value::String(text) if text.trim() == "*" => ("*".to_owned(), None),
        Value::String(text) => {
            let mut words = text.split_whitespace();
            (
                words.next()?.to_owned(),
                Some(words.next().unwrap_or("/").to_owned()),
            )
        }
        Value::Object(map) => (
            map.get("method")
                .and_then(Value::as_str)
                .unwrap_or("ANY")
                .to_owned(),
            map.get("path").and_then(Value::as_str).map(str::to_owned),
        ),
        _ => return None,
    };
    let method = match method.to_ascii_uppercase().as_str() {
        "*" => "ANY".to_owned(),
        other => other.to_owned(),
    };
    Some(match path {
        Some(path) => {
            let path = route::normalize(&path);
            Route {
                shown: format!("route {method} {path}"),
                kind,
                method,
                path,
                is_template: true,
                source,
            }
        }
        // An HTTP API's catch-all (`*`): any method on any path.
        None => Route {
            kind,
            method,
            path: "/".into(),
            is_template: false,
            source,
            shown: "catch-all route *".into(),
        },
    })
}

/// An ALB listener rule: its path conditions (with `*` and `?` wildcards) and methods.
fn alb_routes(settings: &Value, kind: EventKind, source: &str) -> Vec<Route> {
    let conditions = settings.get("conditions");
    let list = |key: &str| -> Vec<String> {
        match conditions.and_then(|c| c.get(key)) {
            Some(Value::String(one)) => vec![one.clone()],
            Some(Value::Array(many)) => many
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        }
    };
    let methods = list("method");
    let method = if methods.is_empty() || methods.iter().any(|m| m.eq_ignore_ascii_case("GET")) {
        "GET".to_owned()
    } else {
        methods[0].to_ascii_uppercase()
    };
    let mut paths = list("path");
    if paths.is_empty() {
        paths.push("/".into());
    }
    paths
        .into_iter()
        .map(|pattern| Route {
            kind,
            method: method.clone(),
            path: route::normalize(&pattern)
                .replace('*', route::GREEDY_PLACEHOLDER)
                .replace('?', "x"),
            is_template: false,
            source: source.to_owned(),
            shown: format!("path condition {pattern}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn routes(events: Value) -> Vec<(EventKind, String, String, String)> {
        declared(&json!({ "events": events }))
            .into_iter()
            .map(|r| (r.kind, r.method, r.path, r.source))
            .collect()
    }

    #[test]
    fn every_form_of_http_trigger_declares_its_route() {
        let found = routes(json!([
            {"http": "get base/users"},
            {"http": {"method": "any", "path": "/base/{proxy+}"}},
            {"http": {"method": "post", "path": "users/{id}", "integration": "lambda"}},
            {"http": {"method": "get", "path": "/proxied", "integration": "http-proxy"}},
            {"httpApi": "*"},
            {"httpApi": {"method": "*", "path": "/items/{id}"}},
            {"alb": {"priority": 1, "conditions": {"path": ["/api/*"], "method": ["POST", "GET"]}}},
            {"sqs": "arn:aws:sqs:us-east-1:1:q"}
        ]));
        let expected = [
            (
                EventKind::ApiGateway,
                "GET",
                "/base/users",
                "events[0].http",
            ),
            (
                EventKind::ApiGateway,
                "ANY",
                "/base/{proxy+}",
                "events[1].http",
            ),
            (
                EventKind::ApiGatewayLambda,
                "POST",
                "/users/{id}",
                "events[2].http",
            ),
            (EventKind::HttpApi, "ANY", "/", "events[4].httpApi"),
            (
                EventKind::HttpApi,
                "ANY",
                "/items/{id}",
                "events[5].httpApi",
            ),
            (
                EventKind::Alb,
                "GET",
                "/api/serverless-prehook",
                "events[6].alb",
            ),
        ];
        let expected: Vec<_> = expected
            .iter()
            .map(|(k, m, p, s)| (*k, m.to_string(), p.to_string(), s.to_string()))
            .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn integrations_decide_the_event_kind() {
        let kind = |settings: Value| http_kind("http", &settings);
        assert_eq!(kind(json!("GET /")), Some(EventKind::ApiGateway));
        assert_eq!(
            kind(json!({"integration": "lambda"})),
            Some(EventKind::ApiGatewayLambda)
        );
        assert_eq!(
            kind(json!({"integration": "AWS"})),
            Some(EventKind::ApiGatewayLambda)
        );
        assert_eq!(
            kind(json!({"async": true})),
            Some(EventKind::ApiGatewayLambda)
        );
        assert_eq!(
            kind(json!({"integration": "lambda-proxy"})),
            Some(EventKind::ApiGateway)
        );
        assert_eq!(
            kind(json!({"integration": "aws_proxy"})),
            Some(EventKind::ApiGateway)
        );
        assert_eq!(kind(json!({"integration": "mock"})), None);
        assert_eq!(http_kind("schedule", &json!("rate(1 minute)")), None);
    }
}
