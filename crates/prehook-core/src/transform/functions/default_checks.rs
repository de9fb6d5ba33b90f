//! `prehook: true`: a check derived from the function's own triggers, that passes on a healthy
//! version and fails on a broken one.
//!
//! HTTP functions get a GET to a route they declare, judged on what shows a broken version
//! (a 5xx, a function error, an answer that is not a valid response), never on whether that
//! path exists: a healthy app mounted under `/base` answers 404 on `/healthcheck`. Other
//! functions get their trigger's own event (or a schedule's `input`), judged on function errors.
//! Each check's name says what it sends and why, and it is what every log line shows.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::routes::{self, Route};
use super::source_events;
use crate::check::{Check, EventKind, Expect, HttpRequest, Request};
use crate::route;
use crate::status::StatusSpec;

/// The default check of a function whose checks go as `kind` events.
pub fn default_check(function: &Value, kind: EventKind) -> Check {
    if kind.is_http() {
        http_check(function, kind)
    } else {
        raw_check(function)
    }
}

fn http_check(function: &Value, kind: EventKind) -> Check {
    let declared = routes::declared(function);
    // Routes of the function's own kind; any other HTTP route when `event` was set by hand.
    let same_kind: Vec<&Route> = declared.iter().filter(|r| r.kind == kind).collect();
    let candidates = if same_kind.is_empty() {
        declared.iter().collect()
    } else {
        same_kind
    };
    // A GET to a route without parameters first: it changes nothing and needs no made-up id.
    let chosen = candidates.iter().min_by_key(|r| {
        (
            !r.takes_get(),
            r.is_template && route::has_parameters(&r.path),
        )
    });
    let judged = match kind {
        EventKind::ApiGatewayLambda => "passes unless 5xx or function error",
        _ => "passes unless 5xx, function error or invalid response",
    };
    let (path, template, why) = match chosen {
        Some(r) => {
            let filled = r.is_template && route::has_parameters(&r.path);
            let path = if r.is_template {
                route::fill(&r.path)
            } else {
                r.path.clone()
            };
            let why = format!(
                "{} of {}{}{}",
                r.shown,
                r.source,
                if filled { ", parameters filled" } else { "" },
                if r.takes_get() { "" } else { ", sent as GET" }
            );
            (path, r.is_template.then(|| r.path.clone()), why)
        }
        None if has_url(function) => ("/".into(), None, "function URL".into()),
        None => ("/".into(), None, "no route declared".into()),
    };
    // Always a GET: a default nobody wrote must not create or delete anything in the data the
    // new version already shares with the live one. A router answers a GET on a POST route with
    // 404 or 405, which pass; a handler that only takes POST needs checks of its own.
    let method = "GET".to_owned();
    Check {
        name: format!("{method} {path} (default: {why}; {judged})"),
        request: Request::Http(HttpRequest {
            method,
            path,
            route: template,
            headers: BTreeMap::new(),
            query: BTreeMap::new(),
            body: None,
        }),
        expect: Expect {
            status: Some(StatusSpec::not_server_error()),
            ..Expect::default()
        },
    }
}

fn has_url(function: &Value) -> bool {
    function
        .get("url")
        .is_some_and(|url| !matches!(url, Value::Null | Value::Bool(false)))
}

/// The first trigger whose event is known (in the order of `events`), else `{}`.
fn raw_check(function: &Value) -> Check {
    let events = function.get("events").and_then(Value::as_array);
    let found = events
        .into_iter()
        .flatten()
        .enumerate()
        .find_map(|(i, event)| {
            let (event_type, settings) = event.as_object()?.iter().next()?;
            source_events::payload(event_type, settings, &format!("events[{i}].{event_type}"))
        });
    let (payload, why) =
        found.unwrap_or_else(|| (Value::Object(Map::new()), "an empty object".to_owned()));
    Check {
        name: format!("invoke (default: {why}; passes unless function error)"),
        request: Request::Raw(payload),
        expect: Expect::default(),
    }
}

/// The declared route a check's request goes to: the most specific route of the function that
/// takes its method and matches its path, so that its events carry the path parameters.
pub fn infer_route(function: &Value, kind: EventKind, http: &HttpRequest) -> Option<String> {
    routes::declared(function)
        .into_iter()
        .filter(|r| r.kind == kind && r.is_template && r.accepts(&http.method))
        .filter_map(|r| {
            let params = route::path_parameters(&r.path, http.path_only())?;
            let greedy = r.path.contains("+}");
            Some(((greedy, params.len()), r.path))
        })
        .min_by_key(|(specificity, _)| *specificity)
        .map(|(_, path)| path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn http(events: Value, kind: EventKind) -> (String, String, Option<String>) {
        let check = default_check(&json!({"handler": "h", "events": events}), kind);
        let Request::Http(request) = check.request else {
            panic!("{check:?}")
        };
        assert_eq!(check.expect.status, Some(StatusSpec::not_server_error()));
        (
            check.name,
            format!("{} {}", request.method, request.path),
            request.route,
        )
    }

    #[test]
    fn an_app_mounted_under_a_base_path_is_checked_there() {
        let (name, sent, route) = http(
            json!([{"http": "ANY /base/{proxy+}"}, {"http": "ANY /base"}]),
            EventKind::ApiGateway,
        );
        assert_eq!(sent, "GET /base");
        assert_eq!(route.as_deref(), Some("/base"));
        assert_eq!(
            name,
            "GET /base (default: route ANY /base of events[1].http; passes unless 5xx, function error or invalid response)"
        );
        let (name, sent, route) = http(
            json!([{"http": "ANY /base/{proxy+}"}]),
            EventKind::ApiGateway,
        );
        assert_eq!(sent, "GET /base/serverless-prehook");
        assert_eq!(route.as_deref(), Some("/base/{proxy+}"));
        assert!(
            name.contains("events[0].http, parameters filled;"),
            "{name}"
        );
    }

    #[test]
    fn a_get_without_parameters_is_preferred() {
        let events = json!([
            {"http": {"method": "post", "path": "users"}},
            {"http": {"method": "get", "path": "users/{id}"}},
            {"http": {"method": "get", "path": "users"}}
        ]);
        assert_eq!(http(events, EventKind::ApiGateway).1, "GET /users");
        let events = json!([
            {"http": {"method": "post", "path": "users"}},
            {"http": {"method": "get", "path": "users/{id}"}}
        ]);
        assert_eq!(http(events, EventKind::ApiGateway).1, "GET /users/1");
        // Only a DELETE: its path gets a GET, which changes nothing.
        let check = default_check(
            &json!({"events": [{"httpApi": "DELETE /orders/{id}"}]}),
            EventKind::HttpApi,
        );
        let Request::Http(request) = check.request else {
            panic!()
        };
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("GET", "/orders/1")
        );
        assert_eq!(request.body, None);
        assert!(
            check.name.contains("parameters filled, sent as GET;"),
            "{}",
            check.name
        );
    }

    #[test]
    fn lambda_integration_routes_and_other_triggers() {
        let (name, sent, route) = http(
            json!([{"http": {"method": "get", "path": "users/{id}", "integration": "lambda"}}]),
            EventKind::ApiGatewayLambda,
        );
        assert_eq!(
            (sent.as_str(), route.as_deref()),
            ("GET /users/1", Some("/users/{id}"))
        );
        assert!(
            name.ends_with("passes unless 5xx or function error)"),
            "{name}"
        );
        assert_eq!(
            http(json!([{"httpApi": "*"}]), EventKind::HttpApi).1,
            "GET /"
        );
        let alb = json!([{"alb": {"conditions": {"path": "/api/*"}}}]);
        assert_eq!(http(alb, EventKind::Alb).1, "GET /api/serverless-prehook");
        let url = default_check(&json!({"url": true}), EventKind::HttpApi);
        assert!(
            url.name.starts_with("GET / (default: function URL;"),
            "{}",
            url.name
        );
    }

    #[test]
    fn raw_functions_get_their_triggers_event_or_an_empty_object() {
        let check = default_check(
            &json!({"events": [{"websocket": "$connect"}, {"schedule": {"rate": "rate(1 hour)", "input": {"job": "digest"}}}]}),
            EventKind::Raw,
        );
        assert_eq!(check.request, Request::Raw(json!({"job": "digest"})));
        assert_eq!(
            check.name,
            "invoke (default: the input of events[1].schedule; passes unless function error)"
        );
        assert_eq!(check.expect, Expect::default());
        let none = default_check(&json!({"handler": "h"}), EventKind::Raw);
        assert_eq!(none.request, Request::Raw(json!({})));
        assert_eq!(
            none.name,
            "invoke (default: an empty object; passes unless function error)"
        );
    }

    #[test]
    fn a_checks_route_is_the_most_specific_that_matches() {
        let function = json!({"events": [
            {"http": "ANY /{proxy+}"},
            {"http": "GET /users/{id}"},
            {"http": "GET /users/me"}
        ]});
        let request = |path: &str| HttpRequest {
            method: "GET".into(),
            path: path.into(),
            route: None,
            headers: BTreeMap::new(),
            query: BTreeMap::new(),
            body: None,
        };
        let infer = |path: &str| infer_route(&function, EventKind::ApiGateway, &request(path));
        assert_eq!(infer("/users/7?x=1").as_deref(), Some("/users/{id}"));
        assert_eq!(infer("/users/me").as_deref(), Some("/users/me"));
        assert_eq!(infer("/a/b").as_deref(), Some("/{proxy+}"));
        assert_eq!(infer("/"), None);
    }
}
