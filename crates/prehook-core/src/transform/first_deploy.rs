//! The first-deploy gate: CodeDeploy only runs when an alias that already exists moves to a new
//! version, so the deploy that creates a checked function's alias (the stack's first, or the
//! first with `prehook` on that function) would put its version live unchecked.
//!
//! Each checked function gets a custom resource, `Custom::PrehookFirstDeploy`, answered by the
//! hook itself (`ServiceToken` = the hook's ARN), with the function, the new version and the
//! alias as properties: a new version changes them, so CloudFormation sends it an Update on
//! every deploy that publishes one. The hook does nothing when the alias exists (CodeDeploy then
//! gates the version) and otherwise runs the function's checks on the new version, answering
//! FAILED with their reasons: the stack rolls back. The canary plugin's alias `DependsOn` it,
//! and everything that routes traffic to the function (API Gateway methods and integrations,
//! event source mappings, permissions, subscriptions) points at the alias, so nothing can reach
//! the new version before it answers.
//!
//! The version resource's logical id carries a hash the framework computes when it compiles the
//! functions, and the alias exists only once the canary plugin has run, so the plugin completes
//! the gate in the compiled template (`before:aws:package:finalize:saveServiceState`): it copies
//! the alias's `FunctionVersion` into `Properties.Version` and adds the gate to the alias's
//! `DependsOn`. Nothing is decided there: this module names every logical id.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::functions::CheckedFunction;
use super::naming::{lambda_logical_id, normalized_function_name};
use crate::error::ConfigErrors;

/// The custom resource type the hook answers.
pub const RESOURCE_TYPE: &str = "Custom::PrehookFirstDeploy";

/// One checked function's gate.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "napi",
    napi_derive::napi(object, object_to_js = false, object_from_js = false)
)]
pub struct FirstDeployGate {
    /// Key of the checked function in `functions`.
    pub function: String,
    /// Logical id of the custom resource (`<Function>PrehookFirstDeploy`).
    pub logical_id: String,
    /// The canary plugin's `AWS::Lambda::Alias` (`<Function>LambdaFunctionAlias<alias>`), which
    /// must depend on the gate; its `FunctionVersion` becomes the gate's `Version`.
    pub alias_logical_id: String,
    /// The resource, without `Properties.Version` (set from the alias once compiled).
    pub resource: Value,
}

pub struct GateInput<'a> {
    pub hook_key: &'a str,
    pub checked: &'a [CheckedFunction],
    /// The merged `deploymentSettings` of each checked function, by key.
    pub deployment_settings: &'a std::collections::BTreeMap<String, Value>,
    /// `custom.deploymentSettings`: the canary plugin merges it under each function's own.
    pub canary: Option<&'a Map<String, Value>>,
    pub existing_resources: Option<&'a Map<String, Value>>,
}

/// The alias the canary plugin creates for function `key`: its merged settings, else the
/// canary plugin's shared ones (which the merge leaves to that plugin).
fn alias_of<'a>(input: &'a GateInput<'_>, key: &str) -> &'a str {
    input
        .deployment_settings
        .get(key)
        .and_then(|s| s.get("alias"))
        .or_else(|| input.canary.and_then(|c| c.get("alias")))
        .and_then(Value::as_str)
        .unwrap_or(super::deployment_settings::DEFAULT_ALIAS)
}

/// The gate of every checked function.
pub fn gates(input: &GateInput<'_>, errors: &mut ConfigErrors) -> Vec<FirstDeployGate> {
    input
        .checked
        .iter()
        .map(|function| {
            let logical_id = format!(
                "{}PrehookFirstDeploy",
                normalized_function_name(&function.key)
            );
            if input
                .existing_resources
                .is_some_and(|r| r.contains_key(&logical_id))
            {
                errors.push(
                    "custom.prehook.firstDeploy",
                    format!(
                        "adds the custom resource `{logical_id}`, but resources.Resources already has a resource of that name: rename yours, or set custom.prehook.firstDeploy to false"
                    ),
                );
            }
            let alias = alias_of(input, &function.key);
            let function_id = lambda_logical_id(&function.key);
            FirstDeployGate {
                function: function.key.clone(),
                alias_logical_id: format!("{function_id}Alias{alias}"),
                resource: json!({
                    "Type": RESOURCE_TYPE,
                    "Properties": {
                        "ServiceToken": { "Fn::GetAtt": [lambda_logical_id(input.hook_key), "Arn"] },
                        "FunctionName": { "Ref": function_id },
                        "Alias": alias,
                    },
                }),
                logical_id,
            }
        })
        .collect()
}

/// `lambda:GetAlias` on exactly the aliases the gates ask about: the hook reads whether each
/// exists, nothing else.
pub fn get_alias_statement(gates: &[FirstDeployGate], checked: &[CheckedFunction]) -> Value {
    let resources: Vec<Value> = gates
        .iter()
        .filter_map(|gate| {
            let name = &checked.iter().find(|f| f.key == gate.function)?.name;
            let alias = gate.resource["Properties"]["Alias"].as_str()?;
            // Lambda authorizes GetAlias on the function's ARN; the alias ARN is its qualified form.
            Some([
                arn(&format!("function:{name}")),
                arn(&format!("function:{name}:{alias}")),
            ])
        })
        .flatten()
        .collect();
    json!({
        "Effect": "Allow",
        "Action": ["lambda:GetAlias"],
        "Resource": resources,
    })
}

fn arn(resource: &str) -> Value {
    json!({ "Fn::Sub": format!("arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:{resource}") })
}
