//! Per-function `prehook`: which functions are checked, with which event kind and checks.

use serde_json::{Value, json};

use crate::check::{EventKind, parse_check_list};
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
            Value::Bool(true) => Some(default_checks(key, derived, &path, errors)),
            Value::Object(_) => parse_settings(
                Node::new(prehook, &path),
                key,
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

/// The event kind a function's own triggers imply: the first HTTP trigger wins, else raw.
pub fn derive_event(function: &Value) -> EventKind {
    let events = function.get("events").and_then(Value::as_array);
    let from_events = events.into_iter().flatten().find_map(|event| {
        let kind = event.as_object()?.keys().next()?;
        match kind.as_str() {
            "http" => Some(EventKind::ApiGateway),
            "httpApi" => Some(EventKind::HttpApi),
            "alb" => Some(EventKind::Alb),
            _ => None,
        }
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

/// `prehook: true`: `GET /healthcheck` for HTTP functions, an invoke with `{}` for the others.
fn default_checks(
    key: &str,
    event: EventKind,
    path: &str,
    errors: &mut ConfigErrors,
) -> FunctionChecks {
    let checks = if event.is_http() {
        json!(["GET /healthcheck"])
    } else {
        json!([{ "payload": {} }])
    };
    FunctionChecks {
        key: key.to_owned(),
        event,
        retries: DEFAULT_RETRIES,
        timeout: DEFAULT_TIMEOUT_SECS,
        checks: parse_check_list(Node::new(&checks, path), event, errors),
        after_traffic: Vec::new(),
    }
}

fn parse_settings(
    node: Node<'_>,
    key: &str,
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
        Some((value, path)) => parse_check_list(Node::new(value, &path), event_or_derived, errors),
        None => default_checks(key, event_or_derived, node.path, errors).checks,
    };
    // Same event kind, retries and timeout as `checks`: the same function answers both.
    let after_traffic = match field("afterTraffic") {
        Some((value, path)) => parse_check_list(Node::new(value, &path), event_or_derived, errors),
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
