//! Judges one invocation of the new version against a check's expectations.
//!
//! HTTP functions answer with a proxy response (`statusCode`, `headers`, `body`); raw functions
//! with any output. A function behind a REST API's Lambda (non-proxy) integration answers with
//! any value, which API Gateway sends as the body of a 200, or fails with an error whose message
//! the framework's default response patterns map to a status (`[404] Not found` is a 404).
//! Every failed expectation is named in a short reason a person can act on.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use crate::check::{EventKind, Expect};

/// Characters of a body or output kept in logs and reasons: enough to recognise an error page,
/// too few to leak a whole response.
pub const EXCERPT_CHARS: usize = 200;

/// What one invocation returned.
#[derive(Debug, Clone, Copy)]
pub struct Outcome<'a> {
    /// `X-Amz-Function-Error` (`Handled`/`Unhandled`) when the function failed.
    pub function_error: Option<&'a str>,
    /// The response payload, as returned by Invoke.
    pub payload: &'a [u8],
    pub duration_ms: u64,
}

/// The judgement of one invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub passed: bool,
    /// The HTTP status the function answered, for HTTP checks.
    pub status: Option<u16>,
    /// Why it failed; `None` when it passed.
    pub reason: Option<String>,
    /// The start of the body (HTTP), output (raw) or error payload.
    pub excerpt: String,
}

/// Evaluates `outcome` of a check of a function whose event kind is `kind`.
pub fn evaluate(kind: EventKind, expect: &Expect, outcome: &Outcome<'_>) -> Evaluation {
    let text = String::from_utf8_lossy(outcome.payload);
    let mapped_error = match (kind, outcome.function_error) {
        (EventKind::ApiGatewayLambda, Some(_)) => lambda_error_status(&text),
        _ => None,
    };
    if let (Some(error), None) = (outcome.function_error, mapped_error) {
        return Evaluation {
            passed: false,
            status: None,
            reason: Some(function_error_reason(error, &text)),
            excerpt: excerpt(&text),
        };
    }
    let mut failures = Vec::new();
    let (status, shown) = if kind == EventKind::ApiGatewayLambda {
        let response = HttpResponse::lambda_integration(mapped_error.unwrap_or(200), &text);
        check_http(expect, &response, &mut failures);
        (Some(response.status), response.body)
    } else if kind.is_http() {
        match HttpResponse::parse(&text) {
            Ok(response) => {
                check_http(expect, &response, &mut failures);
                (Some(response.status), response.body)
            }
            Err(reason) => {
                return Evaluation {
                    passed: false,
                    status: None,
                    reason: Some(reason),
                    excerpt: excerpt(&text),
                };
            }
        }
    } else {
        check_raw(expect, &text, &mut failures);
        (None, text.into_owned())
    };
    if let Some(max) = expect
        .max_duration_ms
        .filter(|max| outcome.duration_ms > *max)
    {
        failures.push(format!(
            "took {} ms, expected at most {max} ms",
            outcome.duration_ms
        ));
    }
    Evaluation {
        passed: failures.is_empty(),
        status,
        reason: (!failures.is_empty()).then(|| failures.join("; ")),
        excerpt: excerpt(&shown),
    }
}

/// The client error status the framework's default integration responses give a Lambda error:
/// its message holds `[400]`, `[401]`, `[403]`, `[404]` or `[422]`. Server errors (`[500]`,
/// `[502]`, `[504]`, a timeout) and unmatched errors stay function errors, and fail.
fn lambda_error_status(payload: &str) -> Option<u16> {
    let parsed: Value = serde_json::from_str(payload).ok()?;
    let message = parsed.get("errorMessage")?.as_str()?;
    [400, 401, 403, 404, 422]
        .into_iter()
        .find(|code| message.contains(&format!("[{code}]")))
}

/// `function error (Unhandled): Error: boom`, from Lambda's error payload when it is one.
fn function_error_reason(kind: &str, payload: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(payload).ok();
    let field = |name: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let detail = match (field("errorType"), field("errorMessage")) {
        (Some(t), Some(m)) => format!("{t}: {m}"),
        (None, Some(m)) => m,
        (Some(t), None) => t,
        (None, None) => payload.trim().to_owned(),
    };
    let detail = excerpt(&detail);
    if detail.is_empty() {
        format!("function error ({kind})")
    } else {
        format!("function error ({kind}): {detail}")
    }
}

/// The first [`EXCERPT_CHARS`] characters, on one line.
pub fn excerpt(text: &str) -> String {
    let mut cut: String = text.chars().take(EXCERPT_CHARS).collect();
    if text.chars().nth(EXCERPT_CHARS).is_some() {
        cut.push('…');
    }
    cut.replace(['\n', '\r'], " ")
}

/// A Lambda proxy response, as API Gateway and ALB read it.
#[derive(Debug, Clone, PartialEq)]
struct HttpResponse {
    status: u16,
    /// Lower-case name and every value.
    headers: Vec<(String, String)>,
    body: String,
}

impl HttpResponse {
    /// What API Gateway answers for a Lambda (non-proxy) integration without a response
    /// template: the function's output as a JSON body.
    fn lambda_integration(status: u16, output: &str) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: output.to_owned(),
        }
    }

    fn parse(text: &str) -> Result<Self, String> {
        let value: Value = serde_json::from_str(text).map_err(|_| {
            format!(
                "the response is not a proxy response (not JSON): {:?}",
                excerpt_short(text)
            )
        })?;
        let Value::Object(map) = value else {
            return Err(
                "the response is not a proxy response: expected a JSON object with `statusCode`"
                    .into(),
            );
        };
        let status = match map.get("statusCode") {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            None | Some(Value::Null) => {
                return Err("the response has no statusCode: is the function answering as an HTTP proxy integration?".into());
            }
            _ => None,
        };
        let status = status.filter(|s| (100..=599).contains(s)).ok_or_else(|| {
            format!(
                "the response has an invalid statusCode {}",
                map["statusCode"]
            )
        })? as u16;

        let mut headers = Vec::new();
        let scalar = |v: &Value| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(_) | Value::Bool(_) => Some(v.to_string()),
            _ => None,
        };
        if let Some(Value::Object(single)) = map.get("headers") {
            for (name, value) in single {
                if let Some(value) = scalar(value) {
                    headers.push((name.to_ascii_lowercase(), value));
                }
            }
        }
        if let Some(Value::Object(multi)) = map.get("multiValueHeaders") {
            for (name, values) in multi {
                for value in values.as_array().into_iter().flatten().filter_map(scalar) {
                    let name = name.to_ascii_lowercase();
                    if !headers.contains(&(name.clone(), value.clone())) {
                        headers.push((name, value));
                    }
                }
            }
        }
        if let Some(Value::Array(cookies)) = map.get("cookies") {
            for cookie in cookies.iter().filter_map(scalar) {
                headers.push(("set-cookie".into(), cookie));
            }
        }

        let raw_body = match map.get("body") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        let base64 = matches!(map.get("isBase64Encoded"), Some(Value::Bool(true)))
            || matches!(map.get("isBase64Encoded"), Some(Value::String(s)) if s == "true");
        let body = if base64 {
            let bytes = STANDARD.decode(raw_body.trim()).map_err(|e| {
                format!("the body is marked isBase64Encoded but is not base64: {e}")
            })?;
            String::from_utf8_lossy(&bytes).into_owned()
        } else {
            raw_body
        };
        Ok(Self {
            status,
            headers,
            body,
        })
    }
}

fn excerpt_short(text: &str) -> String {
    text.chars().take(60).collect()
}

fn check_http(expect: &Expect, response: &HttpResponse, failures: &mut Vec<String>) {
    let accepted = expect.status_or_default();
    if !accepted.accepts(response.status) {
        failures.push(format!(
            "expected status {accepted}, got {}",
            response.status
        ));
    }
    contains("body", &expect.body_contains, &response.body, failures);
    if let Some(pattern) = expect
        .body_matches
        .as_ref()
        .filter(|p| !p.is_match(&response.body))
    {
        failures.push(format!("body does not match /{}/", pattern.as_str()));
    }
    for (name, matcher) in &expect.headers {
        let values: Vec<&str> = response
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect();
        if values.is_empty() {
            failures.push(format!("header {name} is missing, expected {matcher}"));
        } else if !values.iter().any(|v| matcher.matches(v)) {
            failures.push(format!(
                "header {name} is {:?}, expected {matcher}",
                values.join(", ")
            ));
        }
    }
    check_json("body", &expect.json, &response.body, failures);
}

fn check_raw(expect: &Expect, output: &str, failures: &mut Vec<String>) {
    contains("output", &expect.output_contains, output, failures);
    if let Some(pattern) = expect
        .output_matches
        .as_ref()
        .filter(|p| !p.is_match(output))
    {
        failures.push(format!("output does not match /{}/", pattern.as_str()));
    }
    check_json("output", &expect.json, output, failures);
}

fn contains(what: &str, needles: &[String], haystack: &str, failures: &mut Vec<String>) {
    for needle in needles {
        if !haystack.contains(needle.as_str()) {
            failures.push(format!("{what} does not contain {needle:?}"));
        }
    }
}

fn check_json(
    what: &str,
    expected: &std::collections::BTreeMap<String, Value>,
    text: &str,
    failures: &mut Vec<String>,
) {
    if expected.is_empty() {
        return;
    }
    let Ok(document) = serde_json::from_str::<Value>(text) else {
        failures.push(format!("{what} is not JSON"));
        return;
    };
    for (pointer, want) in expected {
        let shown = if pointer.is_empty() { "/" } else { pointer };
        match document.pointer(pointer) {
            None => failures.push(format!("{what} JSON has no {shown}")),
            Some(found) if !same_json(found, want) => failures.push(format!(
                "{what} JSON {shown} is {}, expected {want}",
                excerpt_short(&found.to_string())
            )),
            Some(_) => {}
        }
    }
}

/// JSON equality where `1` and `1.0` are the same number.
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_json(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Check, parse_checks};
    use serde_json::json;

    fn expect(kind: EventKind, expect: Value) -> Expect {
        let check = match kind {
            EventKind::Raw => json!([{"payload": {}, "expect": expect}]),
            _ => json!([{"request": "GET /", "expect": expect}]),
        };
        let checks: Vec<Check> = parse_checks(&check, "checks", kind).unwrap();
        checks[0].expect.clone()
    }

    fn http(expectation: Value, response: Value) -> Evaluation {
        let payload = response.to_string();
        evaluate(
            EventKind::ApiGateway,
            &expect(EventKind::ApiGateway, expectation),
            &Outcome {
                function_error: None,
                payload: payload.as_bytes(),
                duration_ms: 5,
            },
        )
    }

    fn raw(expectation: Value, output: &str) -> Evaluation {
        evaluate(
            EventKind::Raw,
            &expect(EventKind::Raw, expectation),
            &Outcome {
                function_error: None,
                payload: output.as_bytes(),
                duration_ms: 5,
            },
        )
    }

    fn reason(evaluation: Evaluation) -> String {
        assert!(!evaluation.passed, "expected a failure: {evaluation:?}");
        evaluation.reason.unwrap()
    }

    #[test]
    fn status_defaults_to_success_or_redirect() {
        let ok = http(json!({}), json!({"statusCode": 302, "body": ""}));
        assert!(ok.passed && ok.status == Some(302) && ok.reason.is_none());
        let failed = http(json!({}), json!({"statusCode": 500, "body": "oops"}));
        assert_eq!(failed.status, Some(500));
        assert_eq!(failed.excerpt, "oops");
        assert_eq!(reason(failed), "expected status 200-399, got 500");
    }

    #[test]
    fn status_may_be_a_string_and_a_configured_spec() {
        assert!(http(json!({"status": 404}), json!({"statusCode": "404"})).passed);
        assert_eq!(
            reason(http(
                json!({"status": [200, "4xx"]}),
                json!({"statusCode": 503})
            )),
            "expected status 200, 400-499, got 503"
        );
    }

    #[test]
    fn a_response_without_status_code_fails_clearly() {
        assert_eq!(
            reason(http(json!({}), json!({"body": "hi"}))),
            "the response has no statusCode: is the function answering as an HTTP proxy integration?"
        );
        assert!(reason(http(json!({}), json!("hello"))).contains("expected a JSON object"));
        let not_json = evaluate(
            EventKind::HttpApi,
            &Expect::default(),
            &Outcome {
                function_error: None,
                payload: b"<html>",
                duration_ms: 1,
            },
        );
        assert_eq!(not_json.excerpt, "<html>");
        assert!(reason(not_json).starts_with("the response is not a proxy response (not JSON)"));
        assert_eq!(
            reason(http(json!({}), json!({"statusCode": 42}))),
            "the response has an invalid statusCode 42"
        );
    }

    #[test]
    fn body_contains_and_matches() {
        let response = json!({"statusCode": 200, "body": "<h1>Welcome to our site</h1>"});
        assert!(
            http(
                json!({"bodyContains": ["Welcome", "site"], "bodyMatches": "^<h1>"}),
                response.clone()
            )
            .passed
        );
        assert_eq!(
            reason(http(json!({"bodyContains": "Goodbye"}), response.clone())),
            r#"body does not contain "Goodbye""#
        );
        assert_eq!(
            reason(http(json!({"bodyMatches": "^Welcome"}), response)),
            "body does not match /^Welcome/"
        );
    }

    #[test]
    fn base64_bodies_are_decoded_first() {
        let response = json!({"statusCode": 200, "isBase64Encoded": true, "body": STANDARD.encode("Welcome home")});
        let evaluation = http(json!({"bodyContains": "Welcome"}), response);
        assert!(evaluation.passed, "{evaluation:?}");
        assert_eq!(evaluation.excerpt, "Welcome home");
        assert!(
            reason(http(
                json!({}),
                json!({"statusCode": 200, "isBase64Encoded": true, "body": "%%%"})
            ))
            .starts_with("the body is marked isBase64Encoded but is not base64")
        );
    }

    #[test]
    fn headers_match_case_insensitively_exactly_or_by_regex() {
        let response = json!({
            "statusCode": 200,
            "headers": {"Content-Type": "text/html; charset=utf-8"},
            "multiValueHeaders": {"Cache-Control": ["no-store", "max-age=0"]},
        });
        assert!(
            http(
                json!({"headers": {"content-type": "/^text\\/html/", "CACHE-CONTROL": "max-age=0"}}),
                response.clone()
            )
            .passed
        );
        assert_eq!(
            reason(http(
                json!({"headers": {"Content-Type": "application/json"}}),
                response.clone()
            )),
            r#"header content-type is "text/html; charset=utf-8", expected "application/json""#
        );
        assert_eq!(
            reason(http(json!({"headers": {"x-version": "/^4$/"}}), response)),
            "header x-version is missing, expected /^4$/"
        );
        // HTTP API responses set cookies in their own list.
        assert!(
            http(
                json!({"headers": {"set-cookie": "/^session=/"}}),
                json!({"statusCode": 200, "cookies": ["session=abc"]})
            )
            .passed
        );
    }

    #[test]
    fn json_pointers_into_the_body() {
        let response = json!({"statusCode": 200, "body": r#"{"status":"ok","db":{"latency":1.0},"items":[1,2]}"#});
        assert!(
            http(
                json!({"json": {"/status": "ok", "/db/latency": 1, "/items": [1, 2]}}),
                response.clone()
            )
            .passed
        );
        assert_eq!(
            reason(http(json!({"json": {"/status": "down"}}), response.clone())),
            r#"body JSON /status is "ok", expected "down""#
        );
        assert_eq!(
            reason(http(json!({"json": {"/missing": 1}}), response)),
            "body JSON has no /missing"
        );
        assert_eq!(
            reason(http(
                json!({"json": {"/a": 1}}),
                json!({"statusCode": 200, "body": "plain"})
            )),
            "body is not JSON"
        );
    }

    #[test]
    fn every_failed_expectation_is_named() {
        let failed = http(
            json!({"status": 200, "bodyContains": "Welcome"}),
            json!({"statusCode": 500, "body": "Internal error"}),
        );
        assert_eq!(
            reason(failed),
            r#"expected status 200, got 500; body does not contain "Welcome""#
        );
    }

    #[test]
    fn max_duration() {
        let expectation = expect(EventKind::ApiGateway, json!({"maxDurationMs": 100}));
        let payload = json!({"statusCode": 200}).to_string();
        let run = |duration_ms| {
            evaluate(
                EventKind::ApiGateway,
                &expectation,
                &Outcome {
                    function_error: None,
                    payload: payload.as_bytes(),
                    duration_ms,
                },
            )
        };
        assert!(run(100).passed);
        assert_eq!(reason(run(250)), "took 250 ms, expected at most 100 ms");
    }

    #[test]
    fn function_error_always_fails_with_the_error_in_the_reason() {
        let payload = br#"{"errorType":"Error","errorMessage":"boom","trace":["at x"]}"#;
        for kind in [EventKind::ApiGateway, EventKind::Raw] {
            let evaluation = evaluate(
                kind,
                &Expect::default(),
                &Outcome {
                    function_error: Some("Unhandled"),
                    payload,
                    duration_ms: 3,
                },
            );
            assert_eq!(evaluation.status, None);
            assert!(evaluation.excerpt.starts_with(r#"{"errorType":"Error""#));
            assert_eq!(
                reason(evaluation),
                "function error (Unhandled): Error: boom"
            );
        }
        let evaluation = evaluate(
            EventKind::Raw,
            &Expect::default(),
            &Outcome {
                function_error: Some("Handled"),
                payload: b"not json",
                duration_ms: 3,
            },
        );
        assert_eq!(reason(evaluation), "function error (Handled): not json");
    }

    #[test]
    fn raw_output_contains_matches_and_json() {
        assert!(raw(json!({"outputContains": "pong"}), "\"pong\"").passed);
        assert_eq!(
            reason(raw(json!({"outputContains": "pong"}), "\"ping\"")),
            r#"output does not contain "pong""#
        );
        assert!(raw(json!({"outputMatches": "^\"pong\"$"}), "\"pong\"").passed);
        assert_eq!(
            reason(raw(json!({"outputMatches": "^pong$"}), "\"pong\"")),
            "output does not match /^pong$/"
        );
        assert!(raw(json!({"json": {"/reply": "pong"}}), r#"{"reply":"pong"}"#).passed);
        assert_eq!(
            reason(raw(
                json!({"json": {"/reply": "pong"}}),
                r#"{"reply":"ping"}"#
            )),
            r#"output JSON /reply is "ping", expected "pong""#
        );
        assert_eq!(
            reason(raw(json!({"json": {"": "pong"}}), "pong")),
            "output is not JSON"
        );
        let any = raw(json!({}), "null");
        assert!(any.passed && any.status.is_none() && any.excerpt == "null");
    }

    fn lambda(expect: &Expect, function_error: Option<&str>, payload: &str) -> Evaluation {
        evaluate(
            EventKind::ApiGatewayLambda,
            expect,
            &Outcome {
                function_error,
                payload: payload.as_bytes(),
                duration_ms: 2,
            },
        )
    }

    #[test]
    fn lambda_integration_output_is_the_body_of_a_200() {
        // A healthy handler returns an object; a proxy-shaped one is a body like any other.
        let ok = lambda(&Expect::default(), None, r#"{"id":"7","name":"Ada"}"#);
        assert!(ok.passed && ok.status == Some(200), "{ok:?}");
        let json = expect(
            EventKind::ApiGatewayLambda,
            json!({"json": {"/id": "7"}, "headers": {"content-type": "/json/"}}),
        );
        assert!(lambda(&json, None, r#"{"id":"7"}"#).passed);
        assert_eq!(
            reason(lambda(&json, None, r#"{"id":"8"}"#)),
            r#"body JSON /id is "8", expected "7""#
        );
        assert!(lambda(&Expect::default(), None, r#"{"statusCode":500}"#).passed);
        assert!(lambda(&Expect::default(), None, "null").passed);
    }

    #[test]
    fn lambda_integration_errors_fail_unless_mapped_to_a_client_error() {
        let crash = r#"{"errorType":"TypeError","errorMessage":"Cannot read properties of undefined (reading 'id')"}"#;
        assert_eq!(
            reason(lambda(&Expect::default(), Some("Unhandled"), crash)),
            "function error (Unhandled): TypeError: Cannot read properties of undefined (reading 'id')"
        );
        let server = r#"{"errorType":"Error","errorMessage":"[500] database down"}"#;
        assert!(!lambda(&default_expect(), Some("Unhandled"), server).passed);
        // `[404] ...` is the framework's way for a handler to answer 404.
        let not_found = r#"{"errorType":"Error","errorMessage":"[404] no user 1"}"#;
        let evaluation = lambda(&default_expect(), Some("Unhandled"), not_found);
        assert!(
            evaluation.passed && evaluation.status == Some(404),
            "{evaluation:?}"
        );
        assert_eq!(
            reason(lambda(&Expect::default(), Some("Unhandled"), not_found)),
            "expected status 200-399, got 404"
        );
    }

    fn default_expect() -> Expect {
        Expect {
            status: Some(crate::status::StatusSpec::not_server_error()),
            ..Expect::default()
        }
    }

    #[test]
    fn the_default_expectation_passes_client_errors_and_fails_server_errors() {
        let check = |status: u16| {
            let payload = json!({"statusCode": status, "body": ""}).to_string();
            evaluate(
                EventKind::ApiGateway,
                &default_expect(),
                &Outcome {
                    function_error: None,
                    payload: payload.as_bytes(),
                    duration_ms: 1,
                },
            )
        };
        for status in [200, 301, 401, 403, 404] {
            assert!(check(status).passed, "{status}");
        }
        assert_eq!(reason(check(500)), "expected status 100-499, got 500");
        assert_eq!(reason(check(503)), "expected status 100-499, got 503");
    }

    #[test]
    fn excerpts_are_short_and_on_one_line() {
        let long = "é\n".repeat(300);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
        assert!(!cut.contains('\n') && cut.ends_with('…'));
    }
}
