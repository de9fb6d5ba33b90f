//! The events a check sends route in lambda_http (Rust) as behind the real services: right
//! method, path without a stage prefix, query, headers and body.

use std::collections::BTreeMap;

use lambda_http::RequestExt;
use prehook_core::{Body, EventContext, EventKind, HttpRequest, Request, build_event};
use serde_json::json;

#[test]
fn every_http_event_kind_routes_in_lambda_http() {
    let plain = HttpRequest {
        method: "POST".into(),
        path: "/api/items?x=1&x=2".into(),
        route: None,
        headers: BTreeMap::from([("X-Token".to_owned(), "t".into())]),
        query: BTreeMap::new(),
        body: Some(Body::Json(json!({"a": 1}))),
    };
    // A declared route names the resource and path parameters, and routing is unchanged.
    let routed_by_template = HttpRequest {
        route: Some("/api/{proxy+}".into()),
        ..plain.clone()
    };
    for (kind, request) in [EventKind::ApiGateway, EventKind::HttpApi, EventKind::Alb]
        .into_iter()
        .flat_map(|kind| [(kind, plain.clone()), (kind, routed_by_template.clone())])
    {
        let event = build_event(
            kind,
            &Request::Http(request.clone()),
            &EventContext::default(),
        );
        let routed = lambda_http::request::from_str(&event.to_string())
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(routed.method(), "POST", "{kind}");
        assert_eq!(routed.uri().path(), "/api/items", "{kind}");
        // Without multi-value headers (the target group default) ALB keeps the last value.
        let expected = if kind == EventKind::Alb {
            vec!["2"]
        } else {
            vec!["1", "2"]
        };
        assert_eq!(
            routed.query_string_parameters().all("x"),
            Some(expected),
            "{kind}"
        );
        assert_eq!(routed.headers()["x-token"], "t", "{kind}");
        assert_eq!(
            routed.headers()["content-type"],
            "application/json",
            "{kind}"
        );
        assert!(
            routed.headers()["user-agent"]
                .to_str()
                .unwrap()
                .starts_with("serverless-prehook/"),
            "{kind}"
        );
        assert_eq!(&routed.body()[..], br#"{"a":1}"#, "{kind}");
    }
}
