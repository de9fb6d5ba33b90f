//! Least-privilege IAM for the hook: invoke only the checked functions' versions, CodeDeploy
//! calls only on this service's application and deployment groups, and its own logs. The
//! post-traffic hook function, when there is one, shares the role: it runs the same code.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::functions::CheckedFunction;
use super::naming::{Naming, normalized_function_name};
use super::options::IamMode;
use crate::error::ConfigErrors;

/// Where the statements go and what to add to `resources.Resources`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
// `use_nullable`: its `None`s are serialized, as `null` (no `skip_serializing_if`).
#[cfg_attr(
    feature = "napi",
    napi_derive::napi(
        object,
        object_to_js = false,
        object_from_js = false,
        use_nullable = true
    )
)]
pub struct IamChanges {
    pub mode: &'static str,
    /// Keys leading to the list the statements are appended to (`["provider", "iam", "role",
    /// "statements"]`); `None` when they live in the hook's own role.
    pub statements_target: Option<Vec<String>>,
    pub statements: Vec<Value>,
    /// Logical id of the hook's own role, for the function's `role`.
    pub role: Option<String>,
    /// Resources to add to `resources.Resources`.
    pub resources: Map<String, Value>,
    /// The statement serverless-plugin-canary-deployments adds to the framework's shared role
    /// for every function with a traffic hook. With a dedicated role nothing in the shared role
    /// needs it, so the plugin removes it from the compiled template (only this exact grant,
    /// and only when no checked function has a `postTrafficHook` of the user's that needs it).
    pub canary_grant_to_remove: Option<Value>,
}

pub struct IamInput<'a> {
    pub mode: IamMode,
    pub naming: &'a Naming,
    pub provider: &'a Map<String, Value>,
    pub existing_resources: Option<&'a Map<String, Value>>,
    pub hook_key: &'a str,
    pub hook_name: &'a str,
    /// The post-traffic hook function's deployed name, when a function has `afterTraffic`.
    pub post_hook_name: Option<&'a str>,
    pub checked: &'a [CheckedFunction],
    /// Whether some checked function has a `postTrafficHook` (which may run on the shared role).
    pub has_post_traffic_hook: bool,
    /// Whether the hook runs in a VPC (`custom.prehook.vpc`): it then manages network interfaces.
    pub in_vpc: bool,
    /// `lambda:GetAlias` for the first-deploy gates ([`super::first_deploy`]), when they are on.
    pub get_alias: Option<Value>,
}

pub fn build(input: &IamInput<'_>, errors: &mut ConfigErrors) -> IamChanges {
    let statements = invoke_and_codedeploy(input);
    match input.mode {
        IamMode::Shared => IamChanges {
            mode: input.mode.as_str(),
            statements_target: shared_target(input.provider, errors),
            statements,
            role: None,
            resources: Map::new(),
            canary_grant_to_remove: None,
        },
        IamMode::Dedicated => {
            let role_id = format!("{}IamRole", normalized_function_name(input.hook_key));
            if input
                .existing_resources
                .is_some_and(|r| r.contains_key(&role_id))
            {
                errors.push(
                    "custom.prehook.iam",
                    format!(
                        "`dedicated` adds the role `{role_id}`, but resources.Resources already has a resource of that name: rename yours, or choose another custom.prehook.functionName"
                    ),
                );
            }
            let hook_names: Vec<&str> = std::iter::once(input.hook_name)
                .chain(input.post_hook_name)
                .collect();
            let mut all = vec![logs_statement(&hook_names)];
            all.extend(statements);
            let mut resources = Map::new();
            resources.insert(role_id.clone(), dedicated_role(input.provider, all));
            IamChanges {
                mode: input.mode.as_str(),
                statements_target: None,
                statements: Vec::new(),
                role: Some(role_id),
                resources,
                canary_grant_to_remove: (!input.has_post_traffic_hook)
                    .then(|| canary_grant(input.naming, input.checked)),
            }
        }
    }
}

fn sub(text: String) -> Value {
    json!({ "Fn::Sub": text })
}

/// Resource ARNs of the checked functions' deployment groups, as the canary plugin writes them.
fn deployment_group_arns(naming: &Naming, checked: &[CheckedFunction]) -> Vec<Value> {
    let app = naming.codedeploy_application_id();
    checked
        .iter()
        .map(|f| {
            sub(format!(
                "arn:${{AWS::Partition}}:codedeploy:${{AWS::Region}}:${{AWS::AccountId}}:deploymentgroup:${{{app}}}/{}",
                naming.deployment_group_name(&f.key)
            ))
        })
        .collect()
}

/// `buildExecutionRoleWithCodeDeploy` of serverless-plugin-canary-deployments.
fn canary_grant(naming: &Naming, checked: &[CheckedFunction]) -> Value {
    json!({
        "Action": ["codedeploy:PutLifecycleEventHookExecutionStatus"],
        "Effect": "Allow",
        "Resource": deployment_group_arns(naming, checked),
    })
}

/// What Lambda needs to attach a function to a VPC: the EC2 actions of the AWS managed policy
/// `AWSLambdaVPCAccessExecutionRole` (its logs actions are covered by [`logs_statement`]).
/// `DescribeNetworkInterfaces` and `DescribeSubnets` work only on `*`, and Lambda creates the
/// interfaces before the function exists, so the managed policy's `*` is kept.
fn network_interfaces_statement() -> Value {
    json!({
        "Effect": "Allow",
        "Action": [
            "ec2:CreateNetworkInterface",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeSubnets",
            "ec2:DeleteNetworkInterface",
            "ec2:AssignPrivateIpAddresses",
            "ec2:UnassignPrivateIpAddresses"
        ],
        "Resource": "*",
    })
}

fn invoke_and_codedeploy(input: &IamInput<'_>) -> Vec<Value> {
    let versions: Vec<Value> = input
        .checked
        .iter()
        .map(|f| {
            sub(format!(
                "arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{}:*",
                f.name
            ))
        })
        .collect();
    let app = input.naming.codedeploy_application_id();
    let groups = deployment_group_arns(input.naming, input.checked);
    let mut statements = vec![
        json!({
            "Effect": "Allow",
            "Action": ["lambda:InvokeFunction"],
            "Resource": versions,
        }),
        json!({
            "Effect": "Allow",
            "Action": [
                "codedeploy:GetDeployment",
                "codedeploy:PutLifecycleEventHookExecutionStatus"
            ],
            "Resource": groups,
        }),
        json!({
            "Effect": "Allow",
            "Action": ["codedeploy:GetApplicationRevision"],
            "Resource": [sub(format!(
                "arn:${{AWS::Partition}}:codedeploy:${{AWS::Region}}:${{AWS::AccountId}}:application:${{{app}}}"
            ))],
        }),
    ];
    statements.extend(input.get_alias.clone());
    if input.in_vpc {
        statements.push(network_interfaces_statement());
    }
    statements.extend(super::secrets::statements(input.checked));
    statements
}

/// The framework creates the log groups; the hook functions only write to them.
fn logs_statement(hook_names: &[&str]) -> Value {
    let groups: Vec<Value> = hook_names
        .iter()
        .map(|name| {
            sub(format!(
                "arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:/aws/lambda/{name}:*"
            ))
        })
        .collect();
    json!({
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": groups,
    })
}

fn dedicated_role(provider: &Map<String, Value>, statements: Vec<Value>) -> Value {
    let mut properties = json!({
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": { "Service": ["lambda.amazonaws.com"] },
                "Action": ["sts:AssumeRole"],
            }],
        },
        "Policies": [{
            "PolicyName": "serverless-prehook",
            "PolicyDocument": { "Version": "2012-10-17", "Statement": statements },
        }],
    });
    // Accounts that require a permissions boundary on every role require it on ours too.
    let role = provider.get("iam").and_then(|iam| iam.get("role"));
    let boundary = role
        .and_then(|r| {
            r.get("permissionsBoundary")
                .or_else(|| r.get("permissionBoundary"))
        })
        .or_else(|| provider.get("rolePermissionsBoundary"));
    if let Some(boundary) = boundary {
        properties["PermissionsBoundary"] = boundary.clone();
    }
    json!({ "Type": "AWS::IAM::Role", "Properties": properties })
}

/// The list the framework reads: `provider.iam.role.statements`, or the legacy
/// `provider.iamRoleStatements` when only that one is used (never both: the framework reads one).
fn shared_target(provider: &Map<String, Value>, errors: &mut ConfigErrors) -> Option<Vec<String>> {
    let role = provider.get("iam").and_then(|iam| iam.get("role"));
    let existing_role = match role {
        Some(Value::String(_)) => true,
        Some(Value::Object(map)) => map.keys().any(|k| k.starts_with("Fn::") || k == "Ref"),
        _ => false,
    } || provider.contains_key("role");
    if existing_role {
        errors.push(
            "custom.prehook.iam",
            "`shared` adds statements to the role the framework generates, but this service uses an existing role (provider.iam.role / provider.role): use `dedicated` (the default)",
        );
        return None;
    }
    let path: &[&str] = if role.and_then(|r| r.get("statements")).is_some() {
        &["provider", "iam", "role", "statements"]
    } else if provider.contains_key("iamRoleStatements") {
        &["provider", "iamRoleStatements"]
    } else {
        &["provider", "iam", "role", "statements"]
    };
    Some(path.iter().map(|s| (*s).to_owned()).collect())
}
