//! The checks config the plugin hands to the hook: which deployed functions to check, and how.
//!
//! It is written as `prehook.json` next to `bootstrap` in the hook's zip (Lambda's environment is
//! limited to 4 KB, a checks config is not), and read back by the hook with the same parser that
//! validated it at `serverless package` time.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::appspec::LifecycleEvent;
use crate::check::{Check, EventKind, parse_check_list};
use crate::error::ConfigErrors;
use crate::node::{Node, describe, integer, join, object, string};

/// File name of the config inside the hook's zip.
pub const CONFIG_FILE_NAME: &str = "prehook.json";
/// The environment variable that tells a hook function which lifecycle event it serves
/// (`BeforeAllowTraffic`, the default, or `AfterAllowTraffic`): the transform sets it on each
/// hook function it injects, and the hook reads it (crates/prehook-hook/src/lifecycle.rs).
pub const LIFECYCLE_EVENT_VAR: &str = "PREHOOK_LIFECYCLE_EVENT";

/// Attempts after the first one, per check, unless configured.
pub const DEFAULT_RETRIES: u32 = 2;
/// Seconds one attempt may take, unless configured.
pub const DEFAULT_TIMEOUT_SECS: u64 = 10;
/// Upper bound of `retries`: backoff past this only delays a verdict that is already clear.
pub const MAX_RETRIES: u64 = 10;
/// Lambda's own maximum run time, in seconds: the longest a hook can be given
/// (`custom.prehook.timeout`, or the `Timeout` of a hand-written hook).
pub const MAX_HOOK_TIMEOUT_SECS: u64 = 900;

/// The keys of a function's checks, read by [`FunctionChecks::parse`] wherever they are written:
/// under `functions.<key>.prehook` in `serverless.yml`, and per function in `prehook.json`.
pub const CHECKS_KEYS: [&str; 5] = ["checks", "afterTraffic", "event", "retries", "timeout"];

/// The longest one attempt may take in a hook given `hook_timeout` seconds: less than the hook
/// itself, which must still report its verdict when the attempt times out.
pub fn max_attempt_timeout(hook_timeout: u64) -> u64 {
    hook_timeout.saturating_sub(1)
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct HookConfig {
    /// Keyed by the deployed function name, the `Name` CodeDeploy puts in the AppSpec.
    pub functions: BTreeMap<String, FunctionChecks>,
    /// Set when the deploy was told to skip the checks: the hook then reports Succeeded for every
    /// lifecycle event without invoking anything, and says so loudly in its logs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip: Option<Skip>,
}

/// Checks skipped on purpose (an expedited deploy), with who asked for it and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Skip {
    /// Why, as the person deploying wrote it (`hotfix #123, approved by X`).
    pub reason: String,
    /// The setting that asked for it (`PREHOOK_SKIP`), so the logs say where the skip came from.
    pub setting: String,
}

/// The checks of one function.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionChecks {
    /// The function's key in `serverless.yml` (`website`), for messages.
    pub key: String,
    pub event: EventKind,
    /// Attempts after the first failed one.
    pub retries: u32,
    /// Seconds one attempt may take.
    pub timeout: u64,
    /// Run before traffic shifts (BeforeAllowTraffic).
    pub checks: Vec<Check>,
    /// Run once traffic has shifted (AfterAllowTraffic), with the same event, retries and timeout.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub after_traffic: Vec<Check>,
}

/// What an absent key of [`CHECKS_KEYS`] means where the checks are written.
pub struct ChecksRules<'a> {
    /// The event kind when `event` is absent; `None` makes `event` required (`prehook.json`).
    pub derived_event: Option<EventKind>,
    /// The hook's timeout when known (`custom.prehook.timeout` in the transform); else the
    /// longest a hook can have bounds `timeout`.
    pub hook_timeout: Option<u64>,
    /// `checks` when absent.
    pub default_checks: &'a dyn Fn(EventKind) -> Vec<Check>,
    /// Applied to each list of checks once parsed.
    pub finish: &'a dyn Fn(EventKind, Vec<Check>) -> Vec<Check>,
}

impl FunctionChecks {
    /// Reads the keys of [`CHECKS_KEYS`] of `map`, the mapping at `node` (its other keys are the
    /// caller's), with the same limits wherever they are written; `key` names the function in
    /// messages. Every problem goes to `errors`; `None` when `event`, `retries` or `timeout`
    /// cannot be used.
    pub(crate) fn parse(
        node: Node<'_>,
        map: &serde_json::Map<String, Value>,
        key: String,
        rules: &ChecksRules<'_>,
        errors: &mut ConfigErrors,
    ) -> Option<Self> {
        let field = |name: &str| map.get(name).map(|value| (value, join(node.path, name)));
        let event = match (field("event"), rules.derived_event) {
            (Some((value, path)), _) => EventKind::parse(Node::new(value, &path), errors),
            (None, Some(derived)) => Some(derived),
            (None, None) => {
                errors.push(
                    node.path,
                    format!(
                        "missing `event`; expected one of {}",
                        EventKind::NAMES.join(", ")
                    ),
                );
                None
            }
        };
        let retries = match field("retries") {
            Some((value, path)) => {
                integer(Node::new(value, &path), 0, MAX_RETRIES, errors).map(|n| n as u32)
            }
            None => Some(DEFAULT_RETRIES),
        };
        let timeout = match field("timeout") {
            Some((value, path)) => {
                parse_timeout(Node::new(value, &path), rules.hook_timeout, errors)
            }
            None => Some(DEFAULT_TIMEOUT_SECS),
        };
        // With a wrong `event`, checks are parsed against the derived kind, to report their
        // errors too; without one to fall back on, they cannot be read.
        let kind = event.or(rules.derived_event);
        let list = |name: &str, errors: &mut ConfigErrors| {
            let (value, path) = field(name)?;
            let kind = kind?;
            Some((rules.finish)(
                kind,
                parse_check_list(Node::new(value, &path), kind, errors),
            ))
        };
        let checks = list("checks", errors);
        let checks = match (checks, kind) {
            (Some(checks), _) => checks,
            (None, Some(kind)) if !map.contains_key("checks") => (rules.default_checks)(kind),
            (None, _) => Vec::new(),
        };
        // Same event kind, retries and timeout as `checks`: the same function answers both.
        let after_traffic = list("afterTraffic", errors).unwrap_or_default();
        Some(FunctionChecks {
            key,
            event: event?,
            retries: retries?,
            timeout: timeout?,
            checks,
            after_traffic,
        })
    }

    /// The checks that gate `event`: `checks` before traffic, `afterTraffic` after it.
    pub fn checks_for(&self, event: LifecycleEvent) -> &[Check] {
        match event {
            LifecycleEvent::BeforeAllowTraffic => &self.checks,
            LifecycleEvent::AfterAllowTraffic => &self.after_traffic,
        }
    }
}

impl HookConfig {
    /// Parses and validates a config; every problem is reported with its path.
    pub fn from_value(value: &Value) -> Result<Self, ConfigErrors> {
        let mut errors = ConfigErrors::default();
        let mut config = HookConfig::default();
        if let Some(map) = object(Node::new(value, ""), &["functions", "skip"], &mut errors) {
            if let Some(skip) = map.get("skip") {
                config.skip = parse_skip(Node::new(skip, "skip"), &mut errors);
            }
            match map.get("functions") {
                Some(Value::Object(functions)) => {
                    for (name, value) in functions {
                        let path = join("functions", name);
                        if let Some(function) =
                            parse_function(Node::new(value, &path), name, &mut errors)
                        {
                            config.functions.insert(name.clone(), function);
                        }
                    }
                }
                Some(other) => errors.push(
                    "functions",
                    format!(
                        "expected a mapping of function names to checks, got {}",
                        describe(other)
                    ),
                ),
                None => errors.push(
                    "functions",
                    "missing: the config names no function to check",
                ),
            }
        }
        errors.into_result(config)
    }

    pub fn from_json(text: &str) -> Result<Self, ConfigErrors> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            ConfigErrors(vec![crate::error::ConfigError::new(
                CONFIG_FILE_NAME,
                format!("not valid JSON: {e}"),
            )])
        })?;
        Self::from_value(&value)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a config serialises")
    }
}

fn parse_function(node: Node<'_>, name: &str, errors: &mut ConfigErrors) -> Option<FunctionChecks> {
    let mut keys = CHECKS_KEYS.to_vec();
    keys.push("key");
    let map = object(node, &keys, errors)?;
    let key = match map.get("key") {
        Some(value) => string(Node::new(value, &join(node.path, "key")), errors)?,
        None => name.to_owned(),
    };
    let rules = ChecksRules {
        derived_event: None,
        hook_timeout: None,
        default_checks: &|_| Vec::new(),
        finish: &|_, checks| checks,
    };
    FunctionChecks::parse(node, map, key, &rules, errors)
}

/// `timeout`: from 1 s to less than the hook's timeout, which names it when it is known.
fn parse_timeout(
    node: Node<'_>,
    hook_timeout: Option<u64>,
    errors: &mut ConfigErrors,
) -> Option<u64> {
    let max = max_attempt_timeout(hook_timeout.unwrap_or(MAX_HOOK_TIMEOUT_SECS));
    if let (Some(hook_timeout), Some(n)) = (hook_timeout, node.value.as_u64())
        && n > max
    {
        errors.push(
            node.path,
            format!(
                "expected at most {max} seconds, got {n}: an attempt may not outlast the hook itself (custom.prehook.timeout is {hook_timeout})"
            ),
        );
        return None;
    }
    integer(node, 1, max, errors)
}

fn parse_skip(node: Node<'_>, errors: &mut ConfigErrors) -> Option<Skip> {
    let map = object(node, &["reason", "setting"], errors)?;
    let mut text = |key: &str| {
        let path = join(node.path, key);
        match map.get(key) {
            Some(Value::String(text)) if !text.trim().is_empty() => Some(text.clone()),
            Some(other) => {
                errors.push(
                    &path,
                    format!("expected a non-empty text, got {}", describe(other)),
                );
                None
            }
            None => {
                errors.push(
                    &path,
                    "missing: a skip says why and which setting asked for it",
                );
                None
            }
        }
    };
    let reason = text("reason");
    let setting = text("setting");
    Some(Skip {
        reason: reason?,
        setting: setting?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_functions_with_defaults() {
        let config = HookConfig::from_value(&json!({"functions": {
            "svc-dev-website": {"key": "website", "event": "apigateway", "checks": ["GET /healthcheck"]},
            "svc-dev-worker": {"event": "raw", "retries": 0, "timeout": 3, "checks": [{"payload": {}}]}
        }}))
        .unwrap();
        let website = &config.functions["svc-dev-website"];
        assert_eq!(
            (
                website.key.as_str(),
                website.event,
                website.retries,
                website.timeout
            ),
            (
                "website",
                EventKind::ApiGateway,
                DEFAULT_RETRIES,
                DEFAULT_TIMEOUT_SECS
            )
        );
        let worker = &config.functions["svc-dev-worker"];
        assert_eq!(
            (worker.key.as_str(), worker.retries, worker.timeout),
            ("svc-dev-worker", 0, 3)
        );
    }

    #[test]
    fn a_function_without_checks_is_kept_so_the_hook_can_fail_closed() {
        let config =
            HookConfig::from_value(&json!({"functions": {"f": {"event": "raw"}}})).unwrap();
        assert!(config.functions["f"].checks.is_empty());
    }

    #[test]
    fn round_trips_through_json() {
        let config = HookConfig::from_value(&json!({"functions": {
            "a": {"key": "a", "event": "httpapi", "retries": 1, "timeout": 5, "checks": [
                "GET /", {"request": {"method": "POST", "path": "/p", "body": {"x": 1}}, "expect": {"status": "2xx", "json": {"/ok": true}}}
            ]},
            "b": {"key": "b", "event": "raw", "retries": 2, "timeout": 10, "checks": [{"payload": "ping", "expect": {"outputMatches": "^\"pong\"$"}}]}
        }}))
        .unwrap();
        assert_eq!(HookConfig::from_json(&config.to_json()).unwrap(), config);
    }

    #[test]
    fn after_traffic_checks_and_a_skip_round_trip() {
        let config = HookConfig::from_value(&json!({
            "functions": {"a": {"key": "a", "event": "httpapi", "checks": ["GET /"], "afterTraffic": ["GET /smoke"]}},
            "skip": {"reason": "hotfix #123, approved by X", "setting": "PREHOOK_SKIP"}
        }))
        .unwrap();
        let a = &config.functions["a"];
        assert_eq!(
            a.checks_for(LifecycleEvent::BeforeAllowTraffic)[0].name,
            "GET /"
        );
        assert_eq!(
            a.checks_for(LifecycleEvent::AfterAllowTraffic)[0].name,
            "GET /smoke"
        );
        assert_eq!(
            config.skip,
            Some(Skip {
                reason: "hotfix #123, approved by X".into(),
                setting: "PREHOOK_SKIP".into()
            })
        );
        assert_eq!(HookConfig::from_json(&config.to_json()).unwrap(), config);
        // Without them the file keeps the shape it always had.
        let plain = HookConfig::from_value(&json!({"functions": {"a": {"event": "raw"}}})).unwrap();
        let text = plain.to_json();
        assert!(
            !text.contains("afterTraffic") && !text.contains("skip"),
            "{text}"
        );
    }

    #[test]
    fn a_skip_needs_a_reason_and_a_setting() {
        let err = HookConfig::from_value(&json!({
            "functions": {"a": {"event": "raw", "afterTraffic": [{"payload": {}}, "GET /"]}},
            "skip": {"reason": "  ", "by": "me"}
        }))
        .unwrap_err()
        .to_string();
        assert!(err.contains("skip.by: unknown key"), "{err}");
        assert!(
            err.contains("skip.reason: expected a non-empty text, got the string \"  \""),
            "{err}"
        );
        assert!(err.contains("skip.setting: missing"), "{err}");
        assert!(
            err.contains("functions.a.afterTraffic[1]: a check of a raw function is a mapping"),
            "{err}"
        );
    }

    /// Regression: prehook.json took a 900 s `timeout` (1-900) where serverless.yml stops at the
    /// hook's timeout minus 1; an attempt as long as the hook leaves it no time to report.
    #[test]
    fn an_attempt_timeout_has_the_transforms_limit() {
        let config = |timeout: u64| {
            HookConfig::from_value(
                &json!({"functions": {"f": {"event": "raw", "timeout": timeout}}}),
            )
        };
        assert_eq!(config(899).unwrap().functions["f"].timeout, 899);
        let err = config(900).unwrap_err().to_string();
        assert_eq!(
            err,
            "functions.f.timeout: expected a whole number from 1 to 899, got the number 900"
        );
    }

    #[test]
    fn errors_name_the_function() {
        let err = HookConfig::from_value(&json!({"functions": {
            "a": {"event": "soap", "checks": []},
            "b": {"event": "raw", "retries": 99, "checks": []},
            "c": {"checks": []}
        }, "extra": 1}))
        .unwrap_err()
        .to_string();
        assert!(err.contains("extra: unknown key"), "{err}");
        assert!(err.contains("functions.a.event: expected one of apigateway, apigateway-lambda, httpapi, alb, raw, got the string \"soap\""), "{err}");
        assert!(
            err.contains(
                "functions.b.retries: expected a whole number from 0 to 10, got the number 99"
            ),
            "{err}"
        );
        assert!(err.contains("functions.c: missing `event`"), "{err}");
        assert!(
            HookConfig::from_json("{")
                .unwrap_err()
                .to_string()
                .starts_with("prehook.json: not valid JSON")
        );
    }
}
