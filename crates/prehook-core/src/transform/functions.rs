//! Per-function `prehook`: which functions are checked, with which event kind and checks.
//!
//! - [`routes`]: the HTTP routes a function declares, and the event kind of each;
//! - [`default_checks`]: what `prehook: true` checks, derived from those triggers;
//! - [`source_events`]: the events of non-HTTP triggers, for those defaults.

pub mod default_checks;
pub mod routes;
pub mod source_events;

use serde_json::Value;

use crate::check::{Check, EventKind, Request, parse_check_list};
use crate::error::ConfigErrors;
use crate::hook_config::{
    DEFAULT_RETRIES, DEFAULT_TIMEOUT_SECS, FunctionChecks, MAX_RETRIES, MAX_TIMEOUT_SECS,
};
use crate::node::{Node, describe, integer, join, object};

const KEYS: [&str; 6] = [
    "checks",
    "afterTraffic",
    "event",
    "retries",
    "timeout",
    "alarms",
];

/// A function that has `prehook`, with its checks parsed.
#[derive(Debug, Clone)]
pub struct CheckedFunction {
    /// Its key in `functions`.
    pub key: String,
    /// Its deployed name: what CodeDeploy's AppSpec and the hook's config hold.
    pub name: String,
    pub checks: FunctionChecks,
}

/// Parses `prehook` of every function; functions without it (or with `prehook: false`) are
/// left out. `hook_timeout` bounds the per-attempt timeout: an attempt may not outlast the hook.
pub fn parse(
    functions: &serde_json::Map<String, Value>,
    default_name: impl Fn(&str) -> String,
    hook_timeout: u64,
    errors: &mut ConfigErrors,
) -> Vec<CheckedFunction> {
    let mut checked = Vec::new();
    for (key, function) in functions {
        let Some(prehook) = function.get("prehook") else {
            continue;
        };
        let path = join(&join("functions", key), "prehook");
        // The framework's own rule, checked here so that the error names the YAML path; it
        // usually means `prehook` indented one level too far out, a function of its own.
        if *prehook != Value::Bool(false)
            && function.get("handler").is_none()
            && function.get("image").is_none()
        {
            errors.push(
                join("functions", key),
                "has `prehook` but no `handler` nor `image`, so there is no function to check: move `prehook` under the function it belongs to",
            );
            continue;
        }
        let name = function
            .get("name")
            .and_then(Value::as_str)
            .map_or_else(|| default_name(key), str::to_owned);
        let derived = derive_event(function);
        let checks = match prehook {
            Value::Bool(false) => continue,
            Value::Bool(true) => Some(default_checks(key, function, derived)),
            Value::Object(_) => parse_settings(
                Node::new(prehook, &path),
                key,
                function,
                derived,
                hook_timeout,
                errors,
            ),
            other => {
                errors.push(
                    &path,
                    format!(
                        "expected `true` (the default check), `false` or a mapping with `checks`, got {}",
                        describe(other)
                    ),
                );
                None
            }
        };
        if let Some(checks) = checks {
            checked.push(CheckedFunction {
                key: key.clone(),
                name,
                checks,
            });
        }
    }
    checked
}

/// The event kind a function's own triggers imply: the first HTTP trigger that invokes it wins
/// (an `http` event with `integration: lambda` is `apigateway-lambda`), else raw.
pub fn derive_event(function: &Value) -> EventKind {
    let events = function.get("events").and_then(Value::as_array);
    let from_events = events.into_iter().flatten().find_map(|event| {
        let (event_type, settings) = event.as_object()?.iter().next()?;
        routes::http_kind(event_type, settings)
    });
    // A function URL receives the HTTP API's payload format 2.0.
    let has_url = function
        .get("url")
        .is_some_and(|url| !matches!(url, Value::Null | Value::Bool(false)));
    from_events.unwrap_or(if has_url {
        EventKind::HttpApi
    } else {
        EventKind::Raw
    })
}

/// `prehook: true`: one check derived from the function's triggers (see [`default_checks`]).
fn default_checks(key: &str, function: &Value, event: EventKind) -> FunctionChecks {
    FunctionChecks {
        key: key.to_owned(),
        event,
        retries: DEFAULT_RETRIES,
        timeout: DEFAULT_TIMEOUT_SECS,
        checks: vec![default_checks::default_check(function, event)],
        after_traffic: Vec::new(),
    }
}

/// Gives each HTTP check the declared route its path goes to, unless it names one: API Gateway
/// events carry the route and its path parameters (`pathParameters`, or `path` of a Lambda
/// integration), which a handler reads.
fn with_routes(function: &Value, event: EventKind, mut checks: Vec<Check>) -> Vec<Check> {
    if matches!(event, EventKind::Alb | EventKind::Raw) {
        return checks;
    }
    for check in &mut checks {
        if let Request::Http(http) = &mut check.request
            && http.route.is_none()
        {
            http.route = default_checks::infer_route(function, event, http);
        }
    }
    checks
}

fn parse_settings(
    node: Node<'_>,
    key: &str,
    function: &Value,
    derived: EventKind,
    hook_timeout: u64,
    errors: &mut ConfigErrors,
) -> Option<FunctionChecks> {
    let map = object(node, &KEYS, errors)?;
    let field = |name: &str| map.get(name).map(|value| (value, join(node.path, name)));
    let event = match field("event") {
        Some((value, path)) => EventKind::parse(Node::new(value, &path), errors),
        None => Some(derived),
    };
    let retries = match field("retries") {
        Some((value, path)) => {
            integer(Node::new(value, &path), 0, MAX_RETRIES, errors).map(|n| n as u32)
        }
        None => Some(DEFAULT_RETRIES),
    };
    let timeout = match field("timeout") {
        Some((value, path)) => {
            let max = hook_timeout.saturating_sub(1).min(MAX_TIMEOUT_SECS);
            match value.as_u64() {
                Some(n) if n > max => {
                    errors.push(
                        &path,
                        format!(
                            "expected at most {max} seconds, got {n}: an attempt may not outlast the hook itself (custom.prehook.timeout is {hook_timeout})"
                        ),
                    );
                    None
                }
                _ => integer(Node::new(value, &path), 1, max, errors),
            }
        }
        None => Some(DEFAULT_TIMEOUT_SECS),
    };
    // Checks are parsed against the derived kind when `event` is wrong, to report their errors too.
    let event_or_derived = event.unwrap_or(derived);
    let checks = match field("checks") {
        Some((value, path)) => with_routes(
            function,
            event_or_derived,
            parse_check_list(Node::new(value, &path), event_or_derived, errors),
        ),
        None => default_checks(key, function, event_or_derived).checks,
    };
    // Same event kind, retries and timeout as `checks`: the same function answers both.
    let after_traffic = match field("afterTraffic") {
        Some((value, path)) => with_routes(
            function,
            event_or_derived,
            parse_check_list(Node::new(value, &path), event_or_derived, errors),
        ),
        None => Vec::new(),
    };
    Some(FunctionChecks {
        key: key.to_owned(),
        event: event?,
        retries: retries?,
        timeout: timeout?,
        checks,
        after_traffic,
    })
}
