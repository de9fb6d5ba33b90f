//! Per-function `prehook`: which functions are checked, with which event kind and checks.
//!
//! - [`routes`]: the HTTP routes a function declares, and the event kind of each;
//! - [`default_checks`]: what `prehook: true` checks, derived from those triggers;
//! - [`source_events`]: the events of non-HTTP triggers, for those defaults.

pub mod default_checks;
pub mod routes;
pub mod source_events;

use serde_json::Value;

use crate::check::{Check, EventKind, Request};
use crate::error::ConfigErrors;
use crate::hook_config::{
    CHECKS_KEYS, ChecksRules, DEFAULT_RETRIES, DEFAULT_TIMEOUT_SECS, FunctionChecks,
};
use crate::node::{Node, describe, join, object};

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

/// `prehook` as a mapping: the checks' keys, read as in `prehook.json`, and `alarms` (read by
/// `alarm_settings`).
fn parse_settings(
    node: Node<'_>,
    key: &str,
    function: &Value,
    derived: EventKind,
    hook_timeout: u64,
    errors: &mut ConfigErrors,
) -> Option<FunctionChecks> {
    let mut keys = CHECKS_KEYS.to_vec();
    keys.push("alarms");
    let map = object(node, &keys, errors)?;
    let rules = ChecksRules {
        derived_event: Some(derived),
        hook_timeout: Some(hook_timeout),
        default_checks: &|event| default_checks(key, function, event).checks,
        finish: &|event, checks| with_routes(function, event, checks),
    };
    FunctionChecks::parse(node, map, key.to_owned(), &rules, errors)
}
