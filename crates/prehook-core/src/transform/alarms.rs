//! Rollback alarms: CloudWatch alarms that CodeDeploy watches while it shifts traffic to a new
//! version, listed in the function's `deploymentSettings.alarms` after the user's own.
//!
//! What each alarm watches:
//! - the function's `Errors` of the new version only (`ExecutedVersion`), through the alias;
//! - its function URL's `Url5xxCount` and its ALB target groups' `HTTPCode_Target_5XX_Count`:
//!   a URL and an ALB target invoke the unqualified function, whose code is the new version's
//!   from the moment CloudFormation updated it, before the alias moves;
//! - one `5XXError` alarm per REST API and one `5xx` alarm per HTTP API, shared by every
//!   checked function of that API (the same metric, so one alarm, not a copy per function).
//!
//! The version the deploy creates exists only once the framework has compiled its
//! `AWS::Lambda::Version` (a hashed logical id), long after the plugin's injection point. So the
//! transform names the alias instead ([`AliasAlarms`]), and the plugin, once the canary plugin
//! has written the alias, copies the alias's `FunctionVersion` (a `Fn::GetAtt` of that version)
//! into the `ExecutedVersion` dimension and makes the alias depend on the alarms: CloudFormation
//! then updates them before the alias update that starts the CodeDeploy deployment.
//!
//! No alarm refers to the alias: the alias's update policy refers to the deployment group,
//! whose `AlarmConfiguration` refers to the alarms, so a `Ref` back would close a cycle. The
//! ALB alarm is the exception to both rules: its `TargetGroup` dimension needs a `Fn::GetAtt` of
//! the target group, which depends on the alias (through the permission the canary plugin moves
//! to it). It gets a literal `AlarmName`, which the deployment group lists by name, and the alias
//! does not wait for it; its dimensions never change between versions.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::alarm_settings::{self, FunctionAlarms, MetricAlarm};
use super::deployment_settings::Sources;
use super::functions::CheckedFunction;
use super::naming::{Naming, lambda_logical_id, normalized_function_name};
use crate::error::ConfigErrors;
use crate::node::{describe, join};

/// The stage of the HTTP API the framework creates (`HttpApiStage`, auto-deployed).
const HTTP_API_STAGE: &str = "$default";
/// CodeDeploy's limit on a deployment group's `AlarmConfiguration.Alarms`.
const MAX_DEPLOYMENT_GROUP_ALARMS: usize = 10;
/// CloudWatch's limit on an alarm name.
const MAX_ALARM_NAME: usize = 255;

/// What the alarms of a service add.
#[derive(Debug, Default)]
pub struct AlarmChanges {
    /// `AWS::CloudWatch::Alarm` resources for `resources.Resources`, by logical id.
    pub resources: Map<String, Value>,
    /// Per function key: a line for the package-time summary.
    pub notes: BTreeMap<String, String>,
    /// What the plugin finishes in the compiled template, per alias.
    pub aliases: Vec<AliasAlarms>,
}

/// The alarms of one function that only the compiled template can finish.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "napi",
    napi_derive::napi(object, object_to_js = false, object_from_js = false)
)]
pub struct AliasAlarms {
    /// The canary plugin's `AWS::Lambda::Alias` (`<Function>LambdaFunctionAlias<alias>`).
    pub alias_logical_id: String,
    /// Alarms that get the dimension `ExecutedVersion` = the alias's `FunctionVersion`.
    pub executed_version: Vec<String>,
    /// Alarms the alias waits for (`DependsOn`), so that they are up to date before
    /// CodeDeploy starts.
    pub depends_on: Vec<String>,
}

pub struct AlarmInput<'a> {
    pub naming: &'a Naming,
    pub provider: &'a Map<String, Value>,
    pub functions: &'a Map<String, Value>,
    /// `custom.prehook.alarms`.
    pub service_level: Option<&'a Value>,
    /// Every level of `deploymentSettings`, for the alias and the alarms in force.
    pub settings: &'a Sources<'a>,
    pub existing_resources: Option<&'a Map<String, Value>>,
}

/// One alarm a function gets.
struct Planned {
    id: String,
    resource: Value,
    /// The settings of an API-wide alarm, which the API's other functions share; `None` for
    /// an alarm of the function's own.
    shared: Option<MetricAlarm>,
    role: Role,
}

#[derive(PartialEq)]
enum Role {
    /// Gets `ExecutedVersion`; the alias waits for it.
    Version,
    /// The alias waits for it.
    Fixed,
    /// Listed by its literal `AlarmName`; the alias cannot wait for it (see the module doc).
    ByName(String),
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
    // API-wide alarms: who added each first, where its settings come from, and which they are.
    let mut shared_by: BTreeMap<String, (String, String, MetricAlarm)> = BTreeMap::new();
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
        let alias = input.settings.alias(&function.key).to_owned();
        let (planned, skipped) = function_alarms(input, function, definition, &alias, &alarms);
        let mut listed = Vec::new();
        let mut aliases = AliasAlarms {
            alias_logical_id: format!("{}Alias{alias}", lambda_logical_id(&function.key)),
            executed_version: Vec::new(),
            depends_on: Vec::new(),
        };
        let mut described = Vec::new();
        for alarm in planned {
            if let Some(settings) = &alarm.shared {
                match shared_by.get(&alarm.id) {
                    Some((first, first_path, theirs)) if theirs != settings => errors.push(
                        join(&alarms.path, "apiErrors"),
                        format!(
                            "`{}` and `{first}` ({first_path}.apiErrors) ask for different settings of `{}`, the one alarm that watches their API: set apiErrors once, in custom.prehook.alarms",
                            function.key, alarm.id
                        ),
                    ),
                    Some(_) => {}
                    None => {
                        shared_by.insert(
                            alarm.id.clone(),
                            (function.key.clone(), alarms.path.clone(), settings.clone()),
                        );
                    }
                }
            }
            if !changes.resources.contains_key(&alarm.id)
                && input
                    .existing_resources
                    .is_some_and(|r| r.contains_key(&alarm.id))
            {
                errors.push(
                    &alarms.path,
                    format!(
                        "adds the alarm `{}`, but resources.Resources already has a resource of that name: rename yours, or turn this alarm off",
                        alarm.id
                    ),
                );
            }
            described.push(format!(
                "{} ({})",
                alarm.id,
                alarm_settings::summarize(&alarm.resource)
            ));
            match &alarm.role {
                Role::ByName(name) => listed.push(json!({ "name": name })),
                role => {
                    listed.push(Value::from(alarm.id.as_str()));
                    if *role == Role::Version {
                        aliases.executed_version.push(alarm.id.clone());
                    }
                    aliases.depends_on.push(alarm.id.clone());
                }
            }
            changes.resources.entry(alarm.id).or_insert(alarm.resource);
        }
        let mut note = if listed.is_empty() {
            // Nothing to append: an empty `alarms` would give CodeDeploy an enabled alarm
            // configuration without alarms.
            "no rollback alarm applies (functionErrors off, no HTTP trigger)".to_owned()
        } else {
            append_alarms(input, &function.key, merged, &listed, errors);
            let count = merged
                .get("alarms")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            if count > MAX_DEPLOYMENT_GROUP_ALARMS {
                errors.push(
                    &alarms.path,
                    format!(
                        "gives `{}` {count} alarms with yours, but CodeDeploy watches at most {MAX_DEPLOYMENT_GROUP_ALARMS} per deployment group: turn some off (functionErrors, apiErrors) or list fewer of your own",
                        function.key
                    ),
                );
            }
            format!("rollback alarms {}", described.join(", "))
        };
        for reason in skipped {
            note.push_str(&format!("; {reason}"));
        }
        changes.notes.insert(function.key.clone(), note);
        if !aliases.depends_on.is_empty() {
            changes.aliases.push(aliases);
        }
    }
    changes
}

/// The alarms of one function, and why an alarm was left out, if one was.
fn function_alarms(
    input: &AlarmInput<'_>,
    function: &CheckedFunction,
    definition: &Value,
    alias: &str,
    alarms: &FunctionAlarms,
) -> (Vec<Planned>, Vec<String>) {
    let own_id =
        |suffix: &str| format!("{}Prehook{suffix}", normalized_function_name(&function.key));
    let name = &function.name;
    let mut planned = Vec::new();
    let mut skipped = Vec::new();
    if let Some(settings) = &alarms.function_errors {
        // `Resource` = `<name>:<alias>` with `ExecutedVersion` (added by the plugin) is the
        // new version's invocations through the alias only: the previous version's errors
        // during the shift neither count against it nor dilute its own.
        planned.push(Planned {
            id: own_id("ErrorsAlarm"),
            resource: alarm(
                format!(
                    "serverless-prehook: errors of the version of {name} this deploy creates, invoked through {name}:{alias} while CodeDeploy shifts traffic to it; rolls the deployment back"
                ),
                "AWS/Lambda",
                "Errors",
                json!([
                    { "Name": "FunctionName", "Value": name },
                    { "Name": "Resource", "Value": format!("{name}:{alias}") },
                ]),
                settings,
            ),
            shared: None,
            role: Role::Version,
        });
    }
    let Some(settings) = &alarms.api_errors else {
        return (planned, skipped);
    };
    if definition
        .get("url")
        .is_some_and(|url| url != &Value::Bool(false) && !url.is_null())
    {
        // One function URL per function (the framework's, on the unqualified function):
        // `FunctionName` alone is that URL's requests.
        planned.push(Planned {
            id: own_id("Url5xxAlarm"),
            resource: alarm(
                format!(
                    "serverless-prehook: 5XX responses of the function URL of {name}, which runs the code this deploy creates, while CodeDeploy shifts traffic; rolls the deployment back"
                ),
                "AWS/Lambda",
                "Url5xxCount",
                json!([{ "Name": "FunctionName", "Value": name }]),
                settings,
            ),
            shared: None,
            role: Role::Fixed,
        });
    }
    for target in alb_target_groups(definition) {
        let Some(load_balancer) = load_balancer_full_name(&target.listener_arn) else {
            skipped.push(format!(
                "no ALB 5XX alarm for the listener {}: expected a listener ARN or a Ref to one",
                target.listener_arn
            ));
            continue;
        };
        let group = format!(
            "{}Alb{}TargetGroup{}",
            normalized_function_name(&function.key),
            if target.multi_value_headers {
                "MultiValue"
            } else {
                ""
            },
            target.alb_id
        );
        let id = format!("{group}Prehook5XXAlarm");
        let alarm_name: String = format!("{}-{id}", input.naming.stack_name)
            .chars()
            .take(MAX_ALARM_NAME)
            .collect();
        let mut resource = alarm(
            format!(
                "serverless-prehook: 5XX responses of {name} behind its ALB target group {group}, which invokes the code this deploy creates, while CodeDeploy shifts traffic; rolls the deployment back"
            ),
            "AWS/ApplicationELB",
            "HTTPCode_Target_5XX_Count",
            json!([
                { "Name": "LoadBalancer", "Value": load_balancer },
                { "Name": "TargetGroup", "Value": { "Fn::GetAtt": [group, "TargetGroupFullName"] } },
            ]),
            settings,
        );
        resource["Properties"]["AlarmName"] = json!(alarm_name);
        planned.push(Planned {
            id,
            resource,
            shared: None,
            role: Role::ByName(alarm_name),
        });
    }
    let kinds = event_kinds(definition);
    if kinds.contains(&"http") {
        match rest_api_name(input) {
            Some(api) => {
                let stage = &input.naming.stage;
                planned.push(Planned {
                    id: "PrehookApiGateway5XXErrorAlarm".to_owned(),
                    resource: alarm(
                        format!(
                            "serverless-prehook: 5XX responses of the REST API {api}, stage {stage}, while CodeDeploy shifts traffic to one of its functions; rolls the deployment back"
                        ),
                        "AWS/ApiGateway",
                        "5XXError",
                        json!([
                            { "Name": "ApiName", "Value": api },
                            { "Name": "Stage", "Value": stage },
                        ]),
                        settings,
                    ),
                    shared: Some(settings.clone()),
                    role: Role::Fixed,
                });
            }
            None => skipped.push(
                "no 5XXError alarm: provider.apiGateway.restApiId names a REST API made outside this stack, whose name is not known here".to_owned(),
            ),
        }
    }
    if kinds.contains(&"httpApi") {
        let (api_id, own) = http_api_id(input.provider);
        let mut dimensions = vec![json!({ "Name": "ApiId", "Value": api_id })];
        // An API of another stack may have any stages: all of them count.
        if own {
            dimensions.push(json!({ "Name": "Stage", "Value": HTTP_API_STAGE }));
        }
        planned.push(Planned {
            id: "PrehookHttpApi5xxAlarm".to_owned(),
            resource: alarm(
                "serverless-prehook: 5xx responses of the HTTP API while CodeDeploy shifts traffic to one of its functions; rolls the deployment back".to_owned(),
                "AWS/ApiGateway",
                "5xx",
                Value::Array(dimensions),
                settings,
            ),
            shared: Some(settings.clone()),
            role: Role::Fixed,
        });
    }
    (planned, skipped)
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

/// One target group the framework compiles for a function's `alb` events.
#[derive(Debug, PartialEq)]
struct AlbTarget {
    /// The framework's `albId`: the load balancer's id of a listener ARN, or the logical id a
    /// `Ref` names.
    alb_id: String,
    multi_value_headers: bool,
    listener_arn: Value,
}

/// The function's target groups, one per (load balancer, multiValueHeaders) as the framework
/// names them (`getAlbTargetGroupLogicalId`).
fn alb_target_groups(function: &Value) -> Vec<AlbTarget> {
    let mut targets: Vec<AlbTarget> = Vec::new();
    let events = function.get("events").and_then(Value::as_array);
    for alb in events.into_iter().flatten().filter_map(|e| e.get("alb")) {
        let Some(listener_arn) = alb.get("listenerArn") else {
            continue;
        };
        let alb_id = match listener_arn {
            Value::String(arn) => listener_parts(arn).map(|p| p.2.to_owned()),
            other => other.get("Ref").and_then(Value::as_str).map(str::to_owned),
        };
        let target = AlbTarget {
            alb_id: alb_id.unwrap_or_default(),
            multi_value_headers: alb
                .get("multiValueHeaders")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            listener_arn: listener_arn.clone(),
        };
        if !targets.iter().any(|t| {
            (&t.alb_id, t.multi_value_headers) == (&target.alb_id, target.multi_value_headers)
        }) {
            targets.push(target);
        }
    }
    targets
}

/// `arn:…:listener/app/<name>/<id>/<listener>` → (`app`, name, id): the framework's
/// `ALB_LISTENER_REGEXP`.
fn listener_parts(arn: &str) -> Option<(&str, &str, &str)> {
    let (prefix, path) = arn.split_once(":listener/")?;
    if !prefix.starts_with("arn:aws") || !prefix.contains(":elasticloadbalancing:") {
        return None;
    }
    let parts: Vec<&str> = path.split('/').collect();
    let word = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    match parts.as_slice() {
        &["app", name, id, listener] if word(name) && word(id) && word(listener) => {
            Some(("app", name, id))
        }
        _ => None,
    }
}

/// The `LoadBalancer` dimension (`app/<name>/<id>`) of a listener: parsed from a literal ARN,
/// or cut from a `Ref` to a listener by CloudFormation.
fn load_balancer_full_name(listener_arn: &Value) -> Option<Value> {
    match listener_arn {
        Value::String(arn) => {
            let (app, name, id) = listener_parts(arn)?;
            Some(json!(format!("{app}/{name}/{id}")))
        }
        Value::Object(map) if map.contains_key("Ref") => {
            let part = |i: u32| json!({ "Fn::Select": [i, { "Fn::Split": ["/", listener_arn] }] });
            Some(json!({ "Fn::Join": ["/", [part(1), part(2), part(3)]] }))
        }
        _ => None,
    }
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

/// The framework's HTTP API id, and whether the API is this stack's own: `provider.httpApi.id`
/// for an API of another stack, else a `Ref` to its `HttpApi`.
fn http_api_id(provider: &Map<String, Value>) -> (Value, bool) {
    match provider.get("httpApi").and_then(|h| h.get("id")) {
        Some(id) => (id.clone(), false),
        None => (json!({ "Ref": "HttpApi" }), true),
    }
}

/// Appends `alarms` (logical ids, or `{ name }`) to the function's `alarms`. The canary plugin
/// lets a function's `alarms` replace `custom.deploymentSettings.alarms`, so the list in force
/// ([`Sources::setting`]) is carried over first.
fn append_alarms(
    input: &AlarmInput<'_>,
    key: &str,
    merged: &mut Map<String, Value>,
    alarms: &[Value],
    errors: &mut ConfigErrors,
) {
    let (path, mut list) = match input.settings.setting(key, "alarms") {
        None => (String::new(), Vec::new()),
        Some((path, Value::Array(items))) => (path, items.clone()),
        Some((path, other)) => {
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
    for alarm in alarms {
        if !list.contains(alarm) {
            list.push(alarm.clone());
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
            settings: &Sources {
                hook_key: "preHook",
                post_hook_key: "preHookPost",
                functions: section("functions"),
                prehook: &empty,
                canary: custom.get("deploymentSettings").and_then(Value::as_object),
            },
            existing_resources: service
                .pointer("/resources/Resources")
                .and_then(Value::as_object),
        };
        let changes = build(&input, &checked, &mut settings, &mut errors);
        (changes, settings, errors)
    }

    #[test]
    fn an_http_function_gets_its_version_alarm_and_each_apis_after_the_canary_plugins_own() {
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
                "WebPrehookErrorsAlarm",
                "PrehookApiGateway5XXErrorAlarm",
                "PrehookHttpApi5xxAlarm"
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
            changes.resources["PrehookApiGateway5XXErrorAlarm"]["Properties"]["Dimensions"],
            json!([{ "Name": "ApiName", "Value": "dev-shop" }, { "Name": "Stage", "Value": "dev" }])
        );
        assert_eq!(
            changes.resources["PrehookHttpApi5xxAlarm"]["Properties"]["Dimensions"],
            json!([{ "Name": "ApiId", "Value": { "Ref": "HttpApi" } }, { "Name": "Stage", "Value": "$default" }])
        );
        assert_eq!(
            changes.aliases,
            [AliasAlarms {
                alias_logical_id: "WebLambdaFunctionAliasLive".into(),
                executed_version: vec!["WebPrehookErrorsAlarm".into()],
                depends_on: vec![
                    "WebPrehookErrorsAlarm".into(),
                    "PrehookApiGateway5XXErrorAlarm".into(),
                    "PrehookHttpApi5xxAlarm".into()
                ],
            }]
        );
    }

    #[test]
    fn functions_of_one_api_share_its_alarm_and_must_agree_on_its_settings() {
        let service = |threshold: Value| {
            json!({
                "custom": { "prehook": { "alarms": true } },
                "functions": {
                    "a": { "handler": "h.a", "prehook": true, "events": [{ "http": "GET /a" }] },
                    "b": { "handler": "h.b", "prehook": { "alarms": { "apiErrors": { "threshold": threshold } } }, "events": [{ "http": "GET /b" }] }
                }
            })
        };
        let (changes, settings, errors) = run(service(json!(1)));
        assert!(errors.is_empty(), "{errors}");
        let ids: Vec<&String> = changes.resources.keys().collect();
        assert_eq!(
            ids,
            [
                "APrehookErrorsAlarm",
                "BPrehookErrorsAlarm",
                "PrehookApiGateway5XXErrorAlarm"
            ]
        );
        for key in ["a", "b"] {
            assert!(
                settings[key]["alarms"]
                    .as_array()
                    .unwrap()
                    .contains(&json!("PrehookApiGateway5XXErrorAlarm"))
            );
        }
        let (_, _, errors) = run(service(json!(5)));
        assert_eq!(
            errors.to_string(),
            "functions.b.prehook.alarms.apiErrors: `b` and `a` (custom.prehook.alarms.apiErrors) ask for different settings of `PrehookApiGateway5XXErrorAlarm`, the one alarm that watches their API: set apiErrors once, in custom.prehook.alarms"
        );
    }

    #[test]
    fn a_function_url_and_alb_targets_get_5xx_alarms() {
        let listener = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shop-lb/50dc6c495c0c9188/f2f7dc8efc522ab2";
        let (changes, settings, errors) = run(json!({
            "custom": { "prehook": { "alarms": true } },
            "functions": {
                "link": { "handler": "h.link", "prehook": true, "url": true },
                "lb": { "handler": "h.lb", "prehook": true, "events": [
                    { "alb": { "listenerArn": listener, "priority": 1, "conditions": { "path": "/" } } },
                    { "alb": { "listenerArn": listener, "priority": 2, "conditions": { "path": "/b" } } },
                    { "alb": { "listenerArn": { "Ref": "Listener" }, "priority": 1, "multiValueHeaders": true, "conditions": { "path": "/" } } }
                ] }
            }
        }));
        assert!(errors.is_empty(), "{errors}");
        let url = &changes.resources["LinkPrehookUrl5xxAlarm"]["Properties"];
        assert_eq!(
            (&url["Namespace"], &url["MetricName"]),
            (&json!("AWS/Lambda"), &json!("Url5xxCount"))
        );
        assert_eq!(
            url["Dimensions"],
            json!([{ "Name": "FunctionName", "Value": "shop-dev-link" }])
        );
        let literal =
            &changes.resources["LbAlbTargetGroup50dc6c495c0c9188Prehook5XXAlarm"]["Properties"];
        assert_eq!(literal["MetricName"], "HTTPCode_Target_5XX_Count");
        assert_eq!(
            literal["Dimensions"],
            json!([
                { "Name": "LoadBalancer", "Value": "app/shop-lb/50dc6c495c0c9188" },
                { "Name": "TargetGroup", "Value": { "Fn::GetAtt": ["LbAlbTargetGroup50dc6c495c0c9188", "TargetGroupFullName"] } }
            ])
        );
        let by_ref =
            &changes.resources["LbAlbMultiValueTargetGroupListenerPrehook5XXAlarm"]["Properties"];
        assert_eq!(
            by_ref["Dimensions"][0]["Value"]["Fn::Join"][1][2],
            json!({ "Fn::Select": [3, { "Fn::Split": ["/", { "Ref": "Listener" }] }] })
        );
        // Listed by name, and the alias does not wait for them: the target group depends on it.
        assert_eq!(
            settings["lb"]["alarms"],
            json!([
                "LbPrehookErrorsAlarm",
                { "name": "shop-dev-LbAlbTargetGroup50dc6c495c0c9188Prehook5XXAlarm" },
                { "name": "shop-dev-LbAlbMultiValueTargetGroupListenerPrehook5XXAlarm" }
            ])
        );
        assert_eq!(
            literal["AlarmName"],
            "shop-dev-LbAlbTargetGroup50dc6c495c0c9188Prehook5XXAlarm"
        );
        let lb = changes
            .aliases
            .iter()
            .find(|a| a.alias_logical_id == "LbLambdaFunctionAliasLive")
            .unwrap();
        assert_eq!(lb.depends_on, ["LbPrehookErrorsAlarm"]);
    }

    #[test]
    fn api_names_follow_the_framework() {
        let api = |provider: Value| {
            let (changes, _, errors) = run(json!({
                "provider": provider,
                "functions": { "web": { "handler": "h.handler", "prehook": { "alarms": true }, "events": [{ "http": "GET /" }, { "httpApi": "*" }] } }
            }));
            assert!(errors.is_empty(), "{errors}");
            let dimensions = |id: &str| {
                changes
                    .resources
                    .get(id)
                    .map(|r| r["Properties"]["Dimensions"].clone())
            };
            (
                dimensions("PrehookApiGateway5XXErrorAlarm"),
                dimensions("PrehookHttpApi5xxAlarm"),
                changes.notes["web"].clone(),
            )
        };
        assert_eq!(
            api(json!({ "apiName": "custom" })).0.unwrap()[0]["Value"],
            json!("custom")
        );
        assert_eq!(
            api(json!({ "apiGateway": { "shouldStartNameWithService": true } }))
                .0
                .unwrap()[0]["Value"],
            json!("shop-dev")
        );
        let (rest, http, note) = api(json!({
            "apiGateway": { "restApiId": "abc123" },
            "httpApi": { "id": "xyz789" }
        }));
        assert_eq!(rest, None);
        // Another stack's HTTP API: every stage of it.
        assert_eq!(http, Some(json!([{ "Name": "ApiId", "Value": "xyz789" }])));
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
            "no rollback alarm applies (functionErrors off, no HTTP trigger)"
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

    /// Regression: more than CodeDeploy's 10 alarms per deployment group packaged, then failed
    /// the stack update; now a package-time error.
    #[test]
    fn more_alarms_than_codedeploy_watches_are_an_error() {
        let mine: Vec<String> = (0..9).map(|i| format!("Mine{i}")).collect();
        let (_, _, errors) = run(json!({
            "custom": { "prehook": { "alarms": true }, "deploymentSettings": { "alarms": mine } },
            "functions": { "web": { "handler": "h.web", "prehook": true, "url": true } }
        }));
        assert_eq!(
            errors.to_string(),
            "custom.prehook.alarms: gives `web` 11 alarms with yours, but CodeDeploy watches at most 10 per deployment group: turn some off (functionErrors, apiErrors) or list fewer of your own"
        );
        let (_, settings, errors) = run(json!({
            "custom": { "prehook": { "alarms": { "apiErrors": false } }, "deploymentSettings": { "alarms": mine } },
            "functions": { "web": { "handler": "h.web", "prehook": true, "url": true } }
        }));
        assert!(errors.is_empty(), "{errors}");
        assert_eq!(settings["web"]["alarms"].as_array().unwrap().len(), 10);
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

    /// Regression: a function's `deploymentSettings.alarms: ~` dropped the shared alarms list,
    /// while its `postTrafficHook: ~` set nothing (the precedence was coded three times).
    #[test]
    fn the_alias_and_alarms_in_force_come_from_the_highest_level_that_sets_them() {
        let (changes, settings, errors) = run(json!({
            "custom": { "deploymentSettings": { "alias": "Canary", "alarms": ["Mine"] } },
            "functions": { "worker": {
                "handler": "h.handler",
                "prehook": { "alarms": true },
                "deploymentSettings": { "alarms": null }
            } }
        }));
        assert!(errors.is_empty(), "{errors}");
        assert_eq!(
            settings["worker"]["alarms"],
            json!(["Mine", "WorkerPrehookErrorsAlarm"])
        );
        assert_eq!(
            changes.aliases[0].alias_logical_id,
            "WorkerLambdaFunctionAliasCanary"
        );
    }
}
