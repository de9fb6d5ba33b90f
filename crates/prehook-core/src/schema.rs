//! The JSON Schema of our keys in `serverless.yml`, for the framework's `configSchemaHandler`, so
//! that typos are reported by the framework itself. Built from the key lists and limits the
//! validation uses: `npm/serverless-prehook/lib/schema.json` is this, written by
//! `PREHOOK_WRITE_SCHEMA=1 cargo test -p prehook-core --test main schema_file` (and the plugin's config
//! types, `config.d.ts`, are generated from that file).
//!
//! The core validates everything a schema cannot (regexes, status ranges, function names,
//! cross-field rules) and reports it with the same YAML paths. `deploymentSettings` is not ours:
//! the canary plugin defines it, and serverless@3 throws SCHEMA_COLLISION when two plugins define
//! the same key.

use serde_json::{Map, Value, json};

use crate::check::{
    EventKind, HTTP_CHECK_KEYS, HTTP_EXPECT_KEYS, MAX_DURATION_MS, RAW_CHECK_KEYS, RAW_EXPECT_KEYS,
    REQUEST_KEYS,
};
use crate::hook_config::{CHECKS_KEYS, MAX_HOOK_TIMEOUT_SECS, MAX_RETRIES, max_attempt_timeout};
use crate::secret::{SECRETS_MANAGER_KEYS, SSM_KEYS};
use crate::transform::alarm_settings::{
    self, MAX_EVALUATED_SECS, MAX_EVALUATION_PERIODS, METRIC_KEYS, MIN_PERIOD_SECS, MISSING_DATA,
    STATISTICS,
};
use crate::transform::deployment_settings::PREHOOK_KEYS as DEPLOYMENT_SETTINGS_KEYS;
use crate::transform::options::{
    self, ARCHITECTURES, IAM_MODES, MAX_HOOK_MEMORY_MB, MIN_HOOK_MEMORY_MB, MIN_HOOK_TIMEOUT_SECS,
    RETIRED_RUNTIME, RUNTIMES, VPC_KEYS,
};

/// What the plugin gives the framework: `custom` for `defineCustomProperties`, and
/// `functionProperties` for `defineFunctionProperties('aws', ...)`.
pub fn plugin_schema() -> Value {
    json!({
        "custom": { "type": "object", "properties": { "prehook": custom_prehook() } },
        "functionProperties": { "properties": { "prehook": function_prehook() } },
    })
}

/// `custom.prehook`.
pub fn custom_prehook() -> Value {
    let properties = options::KEYS.iter().map(|key| {
        let schema = match *key {
            "deploymentSettings" => closed(
                DEPLOYMENT_SETTINGS_KEYS.iter().map(|key| {
                    let schema = match *key {
                        "alarms" | "triggerConfigurations" => json!({ "type": "array" }),
                        _ => json!({ "type": "string" }),
                    };
                    (*key, schema)
                }),
                &[],
            ),
            "functionName" | "postTrafficFunctionName" => function_key(),
            "architecture" => json!({ "enum": ARCHITECTURES }),
            // The retired runtime stays here so that the core's refusal (what to use instead, what
            // happens to an existing stack) is the message users see, not the schema's.
            "runtime" => {
                let mut runtimes = RUNTIMES.to_vec();
                runtimes.push(RETIRED_RUNTIME);
                json!({ "enum": runtimes })
            }
            "timeout" => integer(MIN_HOOK_TIMEOUT_SECS, MAX_HOOK_TIMEOUT_SECS),
            "memorySize" => integer(MIN_HOOK_MEMORY_MB, MAX_HOOK_MEMORY_MB),
            "iam" => json!({ "enum": IAM_MODES }),
            "alarms" => alarms(),
            "vpc" => {
                // An id, or an intrinsic function (Ref, Fn::ImportValue, ...) that resolves to one.
                let ids = json!({
                    "type": "array",
                    "minItems": 1,
                    "items": { "anyOf": [{ "type": "string" }, { "type": "object" }] },
                });
                closed(VPC_KEYS.iter().map(|key| (*key, ids.clone())), &VPC_KEYS)
            }
            "firstDeploy" => json!({ "type": "boolean" }),
            other => unreachable!("custom.prehook.{other} has no schema"),
        };
        (*key, schema)
    });
    closed(properties, &[])
}

/// `functions.<key>.prehook`.
pub fn function_prehook() -> Value {
    let checks = json!({ "type": "array", "items": check(), "minItems": 1 });
    let properties = CHECKS_KEYS.iter().copied().chain(["alarms"]).map(|key| {
        let schema = match key {
            "checks" | "afterTraffic" => checks.clone(),
            "event" => json!({ "enum": EventKind::NAMES }),
            "retries" => integer(0, MAX_RETRIES),
            "timeout" => integer(1, max_attempt_timeout(MAX_HOOK_TIMEOUT_SECS)),
            "alarms" => alarms(),
            other => unreachable!("functions.<key>.prehook.{other} has no schema"),
        };
        (key, schema)
    });
    json!({ "anyOf": [{ "type": "boolean" }, closed(properties, &[])] })
}

/// A check: `"GET /healthcheck"`, or a mapping with the keys of an HTTP or a raw check (which
/// of the two depends on the function's event, a rule the core applies).
fn check() -> Value {
    let keys = union(&HTTP_CHECK_KEYS, &RAW_CHECK_KEYS);
    let properties = keys.iter().map(|key| {
        let schema = match *key {
            "name" => json!({ "type": "string" }),
            "request" => json!({ "anyOf": [{ "type": "string" }, request()] }),
            "payload" => json!({}),
            "expect" => expect(),
            other => unreachable!("check key {other} has no schema"),
        };
        (*key, schema)
    });
    json!({ "anyOf": [{ "type": "string" }, closed(properties, &[])] })
}

fn request() -> Value {
    let values = json!({
        "type": "object",
        "additionalProperties": {
            "anyOf": [
                { "type": "string" }, { "type": "number" }, { "type": "boolean" }, secret_reference()
            ]
        },
    });
    let properties = REQUEST_KEYS.iter().map(|key| {
        let schema = match *key {
            "method" | "path" | "route" => json!({ "type": "string" }),
            "headers" | "query" => values.clone(),
            "body" => json!({}),
            other => unreachable!("request key {other} has no schema"),
        };
        (*key, schema)
    });
    closed(properties, &["path"])
}

/// A header or query value kept in SSM or Secrets Manager, read by the hook when it runs.
fn secret_reference() -> Value {
    let place = |keys: &[&'static str]| {
        let name = json!({ "type": "string", "minLength": 1 });
        closed(keys.iter().map(|key| (*key, name.clone())), &keys[..1])
    };
    json!({ "anyOf": [place(&SSM_KEYS), place(&SECRETS_MANAGER_KEYS)] })
}

fn expect() -> Value {
    let texts = json!({
        "anyOf": [{ "type": "string" }, { "type": "array", "items": { "type": "string" } }]
    });
    // `200`, `"200-299"`, `"2xx"`: the core reads the text.
    let status = json!({ "anyOf": [{ "type": "integer" }, { "type": "string" }] });
    let keys = union(&HTTP_EXPECT_KEYS, &RAW_EXPECT_KEYS);
    let properties = keys.iter().map(|key| {
        let schema = match *key {
            "status" => json!({
                "anyOf": [status.clone(), { "type": "array", "items": status, "minItems": 1 }]
            }),
            "bodyContains" | "outputContains" => texts.clone(),
            "bodyMatches" | "outputMatches" => json!({ "type": "string" }),
            "headers" => json!({ "type": "object", "additionalProperties": { "type": "string" } }),
            "json" => json!({ "type": "object" }),
            "maxDurationMs" => integer(1, MAX_DURATION_MS),
            other => unreachable!("expect key {other} has no schema"),
        };
        (*key, schema)
    });
    closed(properties, &[])
}

/// Rollback alarms: `true`, `false`, or per metric `true`, `false` or its thresholds.
fn alarms() -> Value {
    let metric = closed(
        METRIC_KEYS.iter().map(|key| {
            let schema = match *key {
                "threshold" => json!({ "type": "number", "minimum": 0 }),
                "period" => json!({
                    "type": "integer",
                    "minimum": MIN_PERIOD_SECS,
                    "maximum": MAX_EVALUATED_SECS,
                    "multipleOf": MIN_PERIOD_SECS,
                }),
                "evaluationPeriods" | "datapointsToAlarm" => integer(1, MAX_EVALUATION_PERIODS),
                "statistic" => json!({ "enum": STATISTICS }),
                "treatMissingData" => json!({ "enum": MISSING_DATA }),
                other => unreachable!("alarm metric key {other} has no schema"),
            };
            (*key, schema)
        }),
        &[],
    );
    let metric = json!({ "anyOf": [{ "type": "boolean" }, metric] });
    let levels = closed(
        alarm_settings::KEYS
            .iter()
            .map(|key| (*key, metric.clone())),
        &[],
    );
    json!({ "anyOf": [{ "type": "boolean" }, levels] })
}

/// A key of `functions`: the core checks its characters too, with a message that says which.
fn function_key() -> Value {
    json!({ "type": "string", "pattern": "^[A-Za-z0-9_-]+$" })
}

fn integer(minimum: u64, maximum: u64) -> Value {
    json!({ "type": "integer", "minimum": minimum, "maximum": maximum })
}

/// A mapping of exactly these keys (`additionalProperties: false`, as the core's "unknown key").
fn closed<'a>(properties: impl Iterator<Item = (&'a str, Value)>, required: &[&str]) -> Value {
    let properties: Map<String, Value> = properties.map(|(k, v)| (k.to_owned(), v)).collect();
    let mut schema = json!({ "type": "object", "properties": properties });
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    schema["additionalProperties"] = json!(false);
    schema
}

/// The keys of both lists, each once, in their order.
fn union(first: &[&'static str], second: &[&'static str]) -> Vec<&'static str> {
    let mut keys = first.to_vec();
    keys.extend(second.iter().filter(|key| !first.contains(key)));
    keys
}
