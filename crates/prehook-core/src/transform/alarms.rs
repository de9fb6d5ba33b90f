//! Rollback alarms: CloudWatch alarms that CodeDeploy watches while it shifts traffic to a new
//! version, listed in the function's `deploymentSettings.alarms` after the user's own.
//!
//! Every dimension names the deployed function, alias and API literally. A `Ref` to the alias
//! would close a cycle: the alias's update policy refers to the deployment group, whose
//! `AlarmConfiguration` refers to the alarm. Only an HTTP API's id is a `Ref` (to `HttpApi`,
//! which depends on nothing of the function), because its id exists only once it is created.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::alarm_settings::{self, FunctionAlarms, MetricAlarm};
use super::functions::CheckedFunction;
use super::naming::{Naming, normalized_function_name};
use crate::error::ConfigErrors;
use crate::node::{describe, join};

/// What the alarms of a service add.
#[derive(Debug, Default)]
pub struct AlarmChanges {
    /// `AWS::CloudWatch::Alarm` resources for `resources.Resources`, by logical id.
    pub resources: Map<String, Value>,
    /// Per function key: a line for the package-time summary.
    pub notes: BTreeMap<String, String>,
}

pub struct AlarmInput<'a> {
    pub naming: &'a Naming,
    pub provider: &'a Map<String, Value>,
    pub functions: &'a Map<String, Value>,
    /// `custom.prehook.alarms`.
    pub service_level: Option<&'a Value>,
    /// `custom.deploymentSettings` (the canary plugin's defaults, which a function's own
    /// `alarms` replace rather than extend).
    pub canary: Option<&'a Map<String, Value>>,
    /// `custom.prehook.deploymentSettings`.
    pub prehook_settings: &'a Map<String, Value>,
    pub existing_resources: Option<&'a Map<String, Value>>,
}

/// Adds the alarms of every checked function to `settings` (its merged `deploymentSettings`)
/// and returns the resources to add.
pub fn build(
    input: &AlarmInput<'_>,
    checked: &[CheckedFunction],
    settings: &mut BTreeMap<String, Value>,
    errors: &mut ConfigErrors,
) -> AlarmChanges {
    let service = alarm_settings::parse_level(input.service_level, "custom.prehook.alarms", errors);
    let mut changes = AlarmChanges::default();
    for function in checked {
        let Some(definition) = input.functions.get(&function.key) else {
            continue;
        };
        let own = alarm_settings::function_level(&function.key, definition, errors);
        let Some(alarms) = alarm_settings::resolve(own.as_ref(), service.as_ref(), errors) else {
            continue;
        };
        let Some(Value::Object(merged)) = settings.get_mut(&function.key) else {
            continue;
        };
        let alias = merged
            .get("alias")
            .or_else(|| input.canary.and_then(|c| c.get("alias")))
            .and_then(Value::as_str)
            .unwrap_or(super::deployment_settings::DEFAULT_ALIAS)
            .to_owned();
        let (resources, skipped) = function_alarms(input, function, definition, &alias, &alarms);
        for id in resources.keys() {
            if input.existing_resources.is_some_and(|r| r.contains_key(id)) {
                errors.push(
                    &alarms.path,
                    format!(
                        "adds the alarm `{id}`, but resources.Resources already has a resource of that name: rename yours, or turn this alarm off"
                    ),
                );
            }
        }
        let mut note = if resources.is_empty() {
            // Nothing to append: an empty `alarms` would give CodeDeploy an enabled alarm
            // configuration without alarms.
            "no rollback alarm applies (functionErrors off, no API events)".to_owned()
        } else {
            let ids: Vec<String> = resources.keys().cloned().collect();
            append_alarms(input, &function.key, merged, &ids, errors);
            let described: Vec<String> = resources
                .iter()
                .map(|(id, alarm)| format!("{id} ({})", alarm_settings::summarize(alarm)))
                .collect();
            format!("rollback alarms {}", described.join(", "))
        };
        for reason in skipped {
            note.push_str(&format!("; {reason}"));
        }
        changes.notes.insert(function.key.clone(), note);
        changes.resources.extend(resources);
    }
    changes
}

/// The alarms of one function by logical id, and why an API alarm was left out, if one was.
fn function_alarms(
    input: &AlarmInput<'_>,
    function: &CheckedFunction,
    definition: &Value,
    alias: &str,
    alarms: &FunctionAlarms,
) -> (Map<String, Value>, Vec<String>) {
    let id = |suffix: &str| format!("{}Prehook{suffix}", normalized_function_name(&function.key));
    let mut resources = Map::new();
    let mut skipped = Vec::new();
    if let Some(settings) = &alarms.function_errors {
        // `Resource` = `<name>:<alias>` counts every invocation through the alias, whichever
        // version serves it. `ExecutedVersion` would count the new version only, but its
        // number exists only once the framework has compiled the version resource, after the
        // plugin's injection point; and during a shift the alias carries exactly the traffic
        // CodeDeploy is judging.
        resources.insert(
            id("ErrorsAlarm"),
            alarm(
                format!(
                    "serverless-prehook: errors of {}:{alias} while CodeDeploy shifts traffic; rolls the deployment back",
                    function.name
                ),
                "AWS/Lambda",
                "Errors",
                json!([
                    { "Name": "FunctionName", "Value": function.name },
                    { "Name": "Resource", "Value": format!("{}:{alias}", function.name) },
                ]),
                settings,
            ),
        );
    }
    if let Some(settings) = &alarms.api_errors {
        let kinds = event_kinds(definition);
        if kinds.contains(&"http") {
            match rest_api_name(input) {
                Some(name) => {
                    resources.insert(
                        id("ApiGateway5XXErrorAlarm"),
                        alarm(
                            format!(
                                "serverless-prehook: 5XX responses of the REST API {name} while CodeDeploy shifts traffic to {}; rolls the deployment back",
                                function.name
                            ),
                            "AWS/ApiGateway",
                            "5XXError",
                            json!([{ "Name": "ApiName", "Value": name }]),
                            settings,
                        ),
                    );
                }
                None => skipped.push(
                    "no 5XXError alarm: provider.apiGateway.restApiId names a REST API made outside this stack, whose name is not known here".to_owned(),
                ),
            }
        }
        if kinds.contains(&"httpApi") {
            resources.insert(
                id("HttpApi5xxAlarm"),
                alarm(
                    format!(
                        "serverless-prehook: 5xx responses of the HTTP API while CodeDeploy shifts traffic to {}; rolls the deployment back",
                        function.name
                    ),
                    "AWS/ApiGateway",
                    "5xx",
                    json!([{ "Name": "ApiId", "Value": http_api_id(input.provider) }]),
                    settings,
                ),
            );
        }
    }
    (resources, skipped)
}

fn alarm(
    description: String,
    namespace: &str,
    metric: &str,
    dimensions: Value,
    settings: &MetricAlarm,
) -> Value {
    let mut properties = json!({
        "AlarmDescription": description,
        "Namespace": namespace,
        "MetricName": metric,
        "Dimensions": dimensions,
        "Statistic": settings.statistic,
        "Period": settings.period,
        "EvaluationPeriods": settings.evaluation_periods,
        "Threshold": settings.threshold,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": settings.treat_missing_data,
    });
    if let Some(datapoints) = settings.datapoints_to_alarm {
        properties["DatapointsToAlarm"] = json!(datapoints);
    }
    json!({ "Type": "AWS::CloudWatch::Alarm", "Properties": properties })
}

fn event_kinds(function: &Value) -> Vec<&str> {
    function
        .get("events")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|event| event.as_object()?.keys().next().map(String::as_str))
        .collect()
}

/// The framework's REST API name (`getApiGatewayName`), or `None` for an API of another stack.
fn rest_api_name(input: &AlarmInput<'_>) -> Option<String> {
    let provider = input.provider;
    let api_gateway = provider.get("apiGateway");
    if api_gateway.and_then(|a| a.get("restApiId")).is_some() {
        return None;
    }
    if let Some(name) = provider.get("apiName").and_then(Value::as_str) {
        return Some(name.to_owned());
    }
    let naming = input.naming;
    let service_first = api_gateway
        .and_then(|a| a.get("shouldStartNameWithService"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Some(if service_first {
        format!("{}-{}", naming.service, naming.stage)
    } else {
        format!("{}-{}", naming.stage, naming.service)
    })
}

/// The framework's HTTP API id: `provider.httpApi.id` for an API of another stack, else its own.
fn http_api_id(provider: &Map<String, Value>) -> Value {
    provider
        .get("httpApi")
        .and_then(|h| h.get("id"))
        .cloned()
        .unwrap_or_else(|| json!({ "Ref": "HttpApi" }))
}

/// Appends `ids` to the function's `alarms`. The canary plugin lets a function's `alarms`
/// replace `custom.deploymentSettings.alarms`, so those are carried over first.
fn append_alarms(
    input: &AlarmInput<'_>,
    key: &str,
    merged: &mut Map<String, Value>,
    ids: &[String],
    errors: &mut ConfigErrors,
) {
    let own_path = join(
        &join(&join("functions", key), "deploymentSettings"),
        "alarms",
    );
    let own = input
        .functions
        .get(key)
        .and_then(|f| f.get("deploymentSettings"))
        .and_then(|s| s.get("alarms"));
    let (existing, path) = if let Some(own) = own {
        (Some(own), own_path)
    } else if let Some(shared) = input.prehook_settings.get("alarms") {
        (
            Some(shared),
            "custom.prehook.deploymentSettings.alarms".to_owned(),
        )
    } else {
        (
            input.canary.and_then(|c| c.get("alarms")),
            "custom.deploymentSettings.alarms".to_owned(),
        )
    };
    let mut list = match existing {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(other) => {
            errors.push(
                &path,
                format!(
                    "expected a list of alarms (logical ids, or mappings with `name`) to add the rollback alarms to, got {}",
                    describe(other)
                ),
            );
            return;
        }
    };
    for (i, item) in list.iter().enumerate() {
        let valid = match item {
            Value::String(_) => true,
            Value::Object(map) => map.contains_key("name"),
            _ => false,
        };
        if !valid {
            errors.push(
                format!("{path}[{i}]"),
                format!(
                    "expected an alarm's logical id or a mapping with its `name`, got {}",
                    describe(item)
                ),
            );
        }
    }
    for id in ids {
        if !list.iter().any(|item| item.as_str() == Some(id)) {
            list.push(Value::from(id.as_str()));
        }
    }
    merged.insert("alarms".to_owned(), Value::Array(list));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::functions;

    fn run(service: Value) -> (AlarmChanges, BTreeMap<String, Value>, ConfigErrors) {
        let naming = Naming {
            service: "shop".into(),
            stage: "dev".into(),
            stack_name: "shop-dev".into(),
        };
        let empty = Map::new();
        let section = |key: &str| {
            service
                .get(key)
                .and_then(Value::as_object)
                .unwrap_or(&empty)
        };
        let mut errors = ConfigErrors::default();
        let checked = functions::parse(
            section("functions"),
            |k| naming.default_function_name(k),
            300,
            &mut errors,
        );
        let mut settings: BTreeMap<String, Value> = checked
            .iter()
            .map(|f| (f.key.clone(), json!({ "alias": "Live" })))
            .collect();
        let custom = section("custom");
        let input = AlarmInput {
            naming: &naming,
            provider: section("provider"),
            functions: section("functions"),
            service_level: custom.get("prehook").and_then(|p| p.get("alarms")),
            canary: custom.get("deploymentSettings").and_then(Value::as_object),
            prehook_settings: &empty,
            existing_resources: service
                .pointer("/resources/Resources")
                .and_then(Value::as_object),
        };
        let changes = build(&input, &checked, &mut settings, &mut errors);
        (changes, settings, errors)
    }

    #[test]
    fn an_http_function_gets_errors_and_5xx_alarms_after_the_canary_plugins_own() {
        let (changes, settings, errors) = run(json!({
            "custom": { "handler": "h.handler", "prehook": { "alarms": true }, "deploymentSettings": { "alarms": ["Mine", { "name": "theirs" }] } },
            "functions": { "web": { "handler": "h.handler", "prehook": true, "events": [{ "http": "GET /" }, { "httpApi": "*" }] } }
        }));
        assert!(errors.is_empty(), "{errors}");
        assert_eq!(
            settings["web"]["alarms"],
            json!([
                "Mine",
                { "name": "theirs" },
                "WebPrehookApiGateway5XXErrorAlarm",
                "WebPrehookErrorsAlarm",
                "WebPrehookHttpApi5xxAlarm"
            ])
        );
        let errors_alarm = &changes.resources["WebPrehookErrorsAlarm"]["Properties"];
        assert_eq!(
            errors_alarm["Dimensions"],
            json!([
                { "Name": "FunctionName", "Value": "shop-dev-web" },
                { "Name": "Resource", "Value": "shop-dev-web:Live" }
            ])
        );
        assert_eq!(
            changes.resources["WebPrehookApiGateway5XXErrorAlarm"]["Properties"]["Dimensions"],
            json!([{ "Name": "ApiName", "Value": "dev-shop" }])
        );
        assert_eq!(
            changes.resources["WebPrehookHttpApi5xxAlarm"]["Properties"]["Dimensions"],
            json!([{ "Name": "ApiId", "Value": { "Ref": "HttpApi" } }])
        );
    }

    #[test]
    fn api_names_follow_the_framework() {
        let api = |provider: Value| {
            let (changes, _, errors) = run(json!({
                "provider": provider,
                "functions": { "web": { "handler": "h.handler", "prehook": { "alarms": true }, "events": [{ "http": "GET /" }, { "httpApi": "*" }] } }
            }));
            assert!(errors.is_empty(), "{errors}");
            let dimension = |id: &str| {
                changes
                    .resources
                    .get(id)
                    .map(|r| r["Properties"]["Dimensions"][0]["Value"].clone())
            };
            (
                dimension("WebPrehookApiGateway5XXErrorAlarm"),
                dimension("WebPrehookHttpApi5xxAlarm"),
                changes.notes["web"].clone(),
            )
        };
        assert_eq!(api(json!({ "apiName": "custom" })).0, Some(json!("custom")));
        assert_eq!(
            api(json!({ "apiGateway": { "shouldStartNameWithService": true } })).0,
            Some(json!("shop-dev"))
        );
        let (rest, http, note) = api(json!({
            "apiGateway": { "restApiId": "abc123" },
            "httpApi": { "id": "xyz789" }
        }));
        assert_eq!(rest, None);
        assert_eq!(http, Some(json!("xyz789")));
        assert!(
            note.contains("no 5XXError alarm: provider.apiGateway.restApiId"),
            "{note}"
        );
    }

    #[test]
    fn a_worker_gets_only_its_errors_alarm_and_off_means_none() {
        let (changes, settings, errors) = run(json!({
            "custom": { "handler": "h.handler", "prehook": { "alarms": { "functionErrors": { "threshold": 3 } } } },
            "functions": {
                "worker": { "handler": "h.handler", "prehook": true },
                "quiet": { "handler": "h.handler", "prehook": { "alarms": false } }
            }
        }));
        assert!(errors.is_empty(), "{errors}");
        assert_eq!(
            changes.resources.keys().collect::<Vec<_>>(),
            ["WorkerPrehookErrorsAlarm"]
        );
        assert_eq!(
            changes.resources["WorkerPrehookErrorsAlarm"]["Properties"]["Threshold"],
            json!(3.0)
        );
        assert_eq!(settings["quiet"].get("alarms"), None);
    }

    #[test]
    fn a_function_left_without_alarms_keeps_its_settings_and_says_so() {
        let (changes, settings, errors) = run(json!({
            "functions": { "worker": { "handler": "h.handler", "prehook": { "alarms": { "functionErrors": false } } } }
        }));
        assert!(errors.is_empty(), "{errors}");
        assert!(changes.resources.is_empty());
        assert_eq!(settings["worker"], json!({ "alias": "Live" }));
        assert_eq!(
            changes.notes["worker"],
            "no rollback alarm applies (functionErrors off, no API events)"
        );
    }

    #[test]
    fn a_users_resource_of_the_same_name_is_an_error_not_overwritten() {
        let (_, _, errors) = run(json!({
            "functions": { "worker": { "handler": "h.handler", "prehook": { "alarms": true } } },
            "resources": { "Resources": { "WorkerPrehookErrorsAlarm": { "Type": "AWS::SNS::Topic" } } }
        }));
        assert_eq!(
            errors.to_string(),
            "functions.worker.prehook.alarms: adds the alarm `WorkerPrehookErrorsAlarm`, but resources.Resources already has a resource of that name: rename yours, or turn this alarm off"
        );
    }

    #[test]
    fn alarms_that_are_not_a_list_are_reported_where_they_are() {
        let (_, _, errors) = run(json!({
            "functions": { "worker": {
                "handler": "h.handler",
                "prehook": { "alarms": true },
                "deploymentSettings": { "alarms": "MyAlarm" }
            } }
        }));
        assert_eq!(
            errors.to_string(),
            "functions.worker.deploymentSettings.alarms: expected a list of alarms (logical ids, or mappings with `name`) to add the rollback alarms to, got the string \"MyAlarm\""
        );
    }
}
