//! The JSON Schema of our keys in `serverless.yml`, for the framework's `configSchemaHandler`, so
//! that typos are reported by the framework itself. Built from the key lists, limits and defaults
//! the validation uses: `npm/serverless-prehook/lib/schema.json` is this, written by
//! `PREHOOK_WRITE_SCHEMA=1 cargo test -p prehook-core --test main schema_file`, and the plugin's
//! config types (`config.d.ts`, for `serverless.ts` users) are generated from that file: `title`
//! names a type, `$comment` says what it is, `description` what a key means.
//!
//! The core validates everything a schema cannot (regexes, status ranges, function names,
//! cross-field rules) and reports it with the same YAML paths. `deploymentSettings` is not ours:
//! the canary plugin defines it, and serverless@3 throws SCHEMA_COLLISION when two plugins define
//! the same key.

use serde_json::{Map, Value, json};

use crate::check::{
    EventKind, HTTP_CHECK_KEYS, HTTP_EXPECT_KEYS, MAX_DURATION_MS, METHODS, RAW_CHECK_KEYS,
    RAW_EXPECT_KEYS, REQUEST_KEYS,
};
use crate::hook_config::{
    CHECKS_KEYS, DEFAULT_RETRIES, DEFAULT_TIMEOUT_SECS, MAX_HOOK_TIMEOUT_SECS, MAX_RETRIES,
    max_attempt_timeout,
};
use crate::secret::{SECRETS_MANAGER_KEYS, SSM_KEYS};
use crate::transform::alarm_settings::{
    self, DEFAULT_EVALUATION_PERIODS, DEFAULT_MISSING_DATA, DEFAULT_PERIOD_SECS, DEFAULT_STATISTIC,
    DEFAULT_THRESHOLD, MAX_EVALUATED_SECS, MAX_EVALUATION_PERIODS, METRIC_KEYS, MIN_PERIOD_SECS,
    MISSING_DATA, STATISTICS,
};
use crate::transform::deployment_settings::{
    DEFAULT_ALIAS, DEFAULT_TYPE, PREHOOK_KEYS as DEPLOYMENT_SETTINGS_KEYS,
};
use crate::transform::options::{
    self, ARCHITECTURES, DEFAULT_FUNCTION_KEY, DEFAULT_HOOK_MEMORY_MB, DEFAULT_HOOK_TIMEOUT_SECS,
    IAM_MODES, MAX_HOOK_MEMORY_MB, MIN_HOOK_MEMORY_MB, MIN_HOOK_TIMEOUT_SECS,
    POST_TRAFFIC_KEY_SUFFIX, RETIRED_RUNTIME, RUNTIMES, VPC_KEYS,
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
            "deploymentSettings" => doc(
                deployment_settings(),
                "Defaults for every checked function's `deploymentSettings` (the function's own win).",
            ),
            "functionName" => doc(
                function_key(),
                &format!("Key of the injected hook function. @default \"{DEFAULT_FUNCTION_KEY}\""),
            ),
            "postTrafficFunctionName" => doc(
                function_key(),
                &format!(
                    "Key of the post-traffic hook function, injected (same artifact and role) only when a function has `afterTraffic`. @default functionName + \"{POST_TRAFFIC_KEY_SUFFIX}\" (\"{DEFAULT_FUNCTION_KEY}{POST_TRAFFIC_KEY_SUFFIX}\")"
                ),
            ),
            "architecture" => doc(
                json!({ "enum": ARCHITECTURES }),
                &format!("@default \"{}\"", ARCHITECTURES[0]),
            ),
            // The retired runtime passes the schema so that the core's refusal (what to use
            // instead, what happens to an existing stack) is the message users see. It is
            // `deprecated`, which keeps it out of the generated types.
            "runtime" => doc(
                json!({
                    "anyOf": [
                        { "enum": RUNTIMES },
                        { "const": RETIRED_RUNTIME, "deprecated": true },
                    ]
                }),
                &format!(
                    "The only runtime Lambda accepts for the hook; `{RETIRED_RUNTIME}` is refused (blocked by Lambda since 2026-08-31). @default \"{}\"",
                    RUNTIMES[0]
                ),
            ),
            "timeout" => doc(
                integer(MIN_HOOK_TIMEOUT_SECS, MAX_HOOK_TIMEOUT_SECS),
                &format!("Seconds the hook may run. @default {DEFAULT_HOOK_TIMEOUT_SECS}"),
            ),
            "memorySize" => doc(
                integer(MIN_HOOK_MEMORY_MB, MAX_HOOK_MEMORY_MB),
                &format!("@default {DEFAULT_HOOK_MEMORY_MB}"),
            ),
            "iam" => doc(
                json!({ "enum": IAM_MODES }),
                &format!(
                    "`dedicated`: a role of the hook's own; `shared`: the framework's execution role. @default \"{}\"",
                    IAM_MODES[0]
                ),
            ),
            "alarms" => doc(
                alarms(),
                "Rollback alarms for every checked function. @default false",
            ),
            "vpc" => doc(
                vpc(),
                "Runs the hook in this VPC (it never takes `provider.vpc`); its role then gets the EC2 network-interface rights. It must reach CodeDeploy, Lambda and CloudWatch Logs from there.",
            ),
            "firstDeploy" => doc(
                json!({ "type": "boolean" }),
                "Checks the new version during the CloudFormation deploy when a checked function's alias does not exist yet (the stack's first deploy, or the first with `prehook`), where CodeDeploy runs no hook: a failure fails the deploy. `false` lets that version go live unchecked. @default true",
            ),
            other => unreachable!("custom.prehook.{other} has no schema"),
        };
        (*key, schema)
    });
    named(
        closed(properties, &[]),
        "PrehookCustomConfig",
        "`custom.prehook`: every key is optional.",
    )
}

fn deployment_settings() -> Value {
    let properties = DEPLOYMENT_SETTINGS_KEYS.iter().map(|key| {
        let schema = match *key {
            "alarms" | "triggerConfigurations" => json!({ "type": "array" }),
            "type" => doc(
                json!({ "type": "string" }),
                &format!("@default \"{DEFAULT_TYPE}\""),
            ),
            "alias" => doc(
                json!({ "type": "string" }),
                &format!("@default \"{DEFAULT_ALIAS}\""),
            ),
            _ => json!({ "type": "string" }),
        };
        (*key, schema)
    });
    closed(properties, &[])
}

fn vpc() -> Value {
    // An id, or an intrinsic function (Ref, Fn::ImportValue, ...) that resolves to one.
    let ids = json!({
        "type": "array",
        "minItems": 1,
        "items": { "anyOf": [{ "type": "string" }, { "type": "object" }] },
    });
    let properties = VPC_KEYS.iter().map(|key| {
        let schema = match *key {
            "securityGroupIds" => doc(
                ids.clone(),
                "Ids, or intrinsic functions (`Ref`, `Fn::ImportValue`) that resolve to them.",
            ),
            _ => ids.clone(),
        };
        (*key, schema)
    });
    closed(properties, &VPC_KEYS)
}

/// `functions.<key>.prehook`.
pub fn function_prehook() -> Value {
    let checks = json!({ "type": "array", "items": check(), "minItems": 1 });
    let properties = CHECKS_KEYS.iter().copied().chain(["alarms"]).map(|key| {
        let schema = match key {
            "checks" => doc(
                checks.clone(),
                "Run before traffic shifts. @default one check derived from the function's triggers: a request to a route it declares, passing unless 5xx, function error or invalid response (HTTP functions); the trigger's own event or a schedule's input, passing unless function error (others)",
            ),
            "afterTraffic" => doc(
                checks.clone(),
                "Run once all traffic has shifted (CodeDeploy's AfterAllowTraffic): the hook becomes the function's `postTrafficHook` too. Same event, retries and timeout as `checks`.",
            ),
            "event" => doc(
                event(),
                "@default derived from the function's events (http → apigateway, or apigateway-lambda with `integration: lambda`; httpApi → httpapi, alb → alb, else raw)",
            ),
            "retries" => doc(
                integer(0, MAX_RETRIES),
                &format!("Attempts after a failed one. @default {DEFAULT_RETRIES}"),
            ),
            "timeout" => doc(
                integer(1, max_attempt_timeout(MAX_HOOK_TIMEOUT_SECS)),
                &format!(
                    "Seconds one attempt may take: less than the hook's `custom.prehook.timeout`. @default {DEFAULT_TIMEOUT_SECS}"
                ),
            ),
            "alarms" => doc(
                alarms(),
                "This function's rollback alarms, key by key over `custom.prehook.alarms`.",
            ),
            other => unreachable!("functions.<key>.prehook.{other} has no schema"),
        };
        (key, schema)
    });
    named(
        json!({ "anyOf": [{ "type": "boolean" }, closed(properties, &[])] }),
        "PrehookFunctionConfig",
        "`functions.<name>.prehook`: `true` for the default check of the function's trigger.",
    )
}

fn event() -> Value {
    named(
        json!({ "enum": EventKind::NAMES }),
        "PrehookEvent",
        "How a new version is invoked: the shape of the event it receives. `apigateway-lambda` is a REST API's Lambda (non-proxy) integration (`integration: lambda`): the framework's mapped request in, the function's return value as the body of a 200 out.",
    )
}

/// A check: `"GET /healthcheck"`, or a mapping with the keys of an HTTP or a raw check (which
/// of the two depends on the function's event, a rule the core applies).
fn check() -> Value {
    let keys = union(&HTTP_CHECK_KEYS, &RAW_CHECK_KEYS);
    let properties = keys.iter().map(|key| {
        let schema = match *key {
            "name" => json!({ "type": "string" }),
            "request" => doc(
                json!({ "anyOf": [{ "type": "string" }, request()] }),
                "HTTP functions: `\"GET /\"` or a request mapping.",
            ),
            "payload" => doc(
                json!({}),
                "Raw functions: the payload to invoke with. @default {}",
            ),
            "expect" => expect(),
            other => unreachable!("check key {other} has no schema"),
        };
        (*key, schema)
    });
    named(
        json!({ "anyOf": [{ "type": "string" }, closed(properties, &[])] }),
        "PrehookCheck",
        "`\"GET /healthcheck\"` (expects 200-399), or a full check.",
    )
}

fn request() -> Value {
    let value = named(
        json!({
            "anyOf": [
                { "type": "string" }, { "type": "number" }, { "type": "boolean" }, secret_reference()
            ]
        }),
        "PrehookRequestValue",
        "",
    );
    let values = json!({ "type": "object", "additionalProperties": value });
    let properties = REQUEST_KEYS.iter().map(|key| {
        let schema = match *key {
            // In any case: the core upper-cases it.
            "method" => doc(
                json!({ "anyOf": [{ "enum": METHODS }, { "type": "string" }] }),
                &format!("@default \"{}\"", METHODS[0]),
            ),
            "path" => doc(
                json!({ "type": "string" }),
                "Starts with `/`; may carry a query string.",
            ),
            "route" => doc(
                json!({ "type": "string" }),
                "The declared route the path goes to (`/users/{id}`): its path parameters go into the event. @default the most specific route of the function's events that matches the path",
            ),
            "headers" => doc(
                values.clone(),
                "Values as text, or a secret reference read when the checks run (never written to the package).",
            ),
            "query" => doc(
                values.clone(),
                "Query parameters sent after the path's own query string; values as for `headers`.",
            ),
            "body" => doc(
                json!({}),
                "Text as written; any other value is sent as JSON.",
            ),
            other => unreachable!("request key {other} has no schema"),
        };
        (*key, schema)
    });
    named(closed(properties, &["path"]), "PrehookHttpRequest", "")
}

/// A header or query value kept in SSM or Secrets Manager, read by the hook when it runs.
fn secret_reference() -> Value {
    let name = |key: &str| {
        let text = json!({ "type": "string", "minLength": 1 });
        match key {
            "ssm" => doc(
                text,
                "Parameter name (`/prod/api-key`, optionally `:version` or `:label`) or ARN.",
            ),
            "secretsManager" => doc(text, "Secret name (`prod/api`) or complete ARN."),
            "key" => doc(
                text,
                "A field of the secret's JSON; the whole string without it.",
            ),
            _ => text,
        }
    };
    // The first key names the place, and is required.
    let place =
        |keys: &[&'static str]| closed(keys.iter().map(|key| (*key, name(key))), &keys[..1]);
    named(
        json!({ "anyOf": [place(&SSM_KEYS), place(&SECRETS_MANAGER_KEYS)] }),
        "PrehookSecretReference",
        "A value kept in SSM Parameter Store (String or SecureString, decrypted) or Secrets Manager (the secret's string, or the field `key` of its JSON), read by the hook when it runs and by `serverless prehook check` with your credentials. `prehook.json` holds only the reference; the hook's role may read exactly the referenced parameters and secrets.",
    )
}

fn expect() -> Value {
    let texts = json!({
        "anyOf": [{ "type": "string" }, { "type": "array", "items": { "type": "string" } }]
    });
    // The core reads the text.
    let status = named(
        json!({ "anyOf": [{ "type": "integer" }, { "type": "string" }] }),
        "StatusCode",
        "`200`, `\"200-299\"`, `\"2xx\"`.",
    );
    let keys = union(&HTTP_EXPECT_KEYS, &RAW_EXPECT_KEYS);
    let properties = keys.iter().map(|key| {
        let schema = match *key {
            "status" => doc(
                json!({
                    "anyOf": [status.clone(), { "type": "array", "items": status, "minItems": 1 }]
                }),
                "Accepted status codes. @default \"200-399\"",
            ),
            "bodyContains" | "outputContains" => texts.clone(),
            "bodyMatches" => doc(
                json!({ "type": "string" }),
                "A regular expression the body must match.",
            ),
            "outputMatches" => json!({ "type": "string" }),
            "headers" => doc(
                json!({ "type": "object", "additionalProperties": { "type": "string" } }),
                "Expected header values: exact text, or a regular expression between slashes (`/^text\\/html/`).",
            ),
            "json" => doc(
                json!({ "type": "object" }),
                "JSON Pointer (`/data/status`) → expected value, in the body (HTTP) or the output (raw).",
            ),
            "maxDurationMs" => doc(
                integer(1, MAX_DURATION_MS),
                "The answer must come within this many milliseconds.",
            ),
            other => unreachable!("expect key {other} has no schema"),
        };
        (*key, schema)
    });
    named(
        closed(properties, &[]),
        "PrehookExpect",
        "What the answer must satisfy. HTTP checks use status/body/headers, raw checks output*.",
    )
}

/// Rollback alarms: `true`, `false`, or per metric `true`, `false` or its thresholds.
fn alarms() -> Value {
    let metric = METRIC_KEYS.iter().map(|key| {
        let schema = match *key {
            "threshold" => doc(
                json!({ "type": "number", "minimum": 0 }),
                &format!("The alarm fires at or above this value. @default {DEFAULT_THRESHOLD}"),
            ),
            "period" => doc(
                json!({
                    "type": "integer",
                    "minimum": MIN_PERIOD_SECS,
                    "maximum": MAX_EVALUATED_SECS,
                    "multipleOf": MIN_PERIOD_SECS,
                }),
                &format!(
                    "Seconds, a multiple of {MIN_PERIOD_SECS}. @default {DEFAULT_PERIOD_SECS}"
                ),
            ),
            "evaluationPeriods" => doc(
                integer(1, MAX_EVALUATION_PERIODS),
                &format!("@default {DEFAULT_EVALUATION_PERIODS}"),
            ),
            "datapointsToAlarm" => doc(
                integer(1, MAX_EVALUATION_PERIODS),
                "@default evaluationPeriods",
            ),
            "statistic" => doc(
                json!({ "enum": STATISTICS }),
                &format!("@default \"{DEFAULT_STATISTIC}\""),
            ),
            "treatMissingData" => doc(
                json!({ "enum": MISSING_DATA }),
                &format!("@default \"{DEFAULT_MISSING_DATA}\""),
            ),
            other => unreachable!("alarm metric key {other} has no schema"),
        };
        (*key, schema)
    });
    let metric = named(
        closed(metric, &[]),
        "PrehookAlarmMetric",
        "Thresholds of one rollback alarm (every key optional).",
    );
    let metric = json!({ "anyOf": [{ "type": "boolean" }, metric] });
    let levels = alarm_settings::KEYS.iter().map(|key| {
        let schema = match *key {
            "functionErrors" => doc(
                metric.clone(),
                "The `Errors` of the version the deploy creates (`ExecutedVersion`), through its alias. @default true",
            ),
            "apiErrors" => doc(
                metric.clone(),
                "Every 5XX alarm: the REST API's `5XXError` (`http` events) and the HTTP API's `5xx` (`httpApi` events), one per API shared by its functions (which must agree on these settings); the function URL's `Url5xxCount`; each ALB target group's `HTTPCode_Target_5XX_Count`. @default true",
            ),
            other => unreachable!("alarms key {other} has no schema"),
        };
        (*key, schema)
    });
    named(
        json!({ "anyOf": [{ "type": "boolean" }, closed(levels, &[])] }),
        "PrehookAlarms",
        "Rollback alarms CodeDeploy watches while it shifts traffic: `true` for the defaults, or per metric `true`, `false` or thresholds.",
    )
}

/// A key of `functions`: the core checks its characters too, with a message that says which.
fn function_key() -> Value {
    json!({ "type": "string", "pattern": "^[A-Za-z0-9_-]+$" })
}

/// A type users of `serverless.ts` import by this name (`config.d.ts` declares it). What the type
/// is goes in `$comment`: a key's `description` (what the key means) replaces it where it is used.
fn named(mut schema: Value, title: &str, comment: &str) -> Value {
    schema["title"] = json!(title);
    if !comment.is_empty() {
        schema["$comment"] = json!(comment);
    }
    schema
}

/// What a key means: the framework's schema carries it, and the generated types' comments.
fn doc(mut schema: Value, description: &str) -> Value {
    if !description.is_empty() {
        schema["description"] = json!(description);
    }
    schema
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
