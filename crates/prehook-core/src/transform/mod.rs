//! The service-config transform: from what `serverless.service` holds after variable
//! resolution to the changes the plugin applies (hook function, IAM, `deploymentSettings`,
//! the hook's checks config), or every problem with its YAML path.
//!
//! - [`options`]: reads `custom.prehook`;
//! - [`functions`]: each function's `prehook`;
//! - [`deployment_settings`]: what serverless-plugin-canary-deployments reads;
//! - [`alarms`], [`alarm_settings`]: rollback alarms and their thresholds;
//! - [`first_deploy`]: the custom resource that checks a version whose alias does not exist yet;
//! - [`iam`]: least-privilege statements and the hook's own role;
//! - [`hook_function`]: the injected functions (the pre-traffic hook, and the post-traffic hook
//!   when a function has `afterTraffic`), their artifact, and what the plugin changes in their
//!   compiled resources (the service's environment, layers, VPC, ... out; the lifecycle event
//!   each serves in);
//! - [`versioning`]: published versions for the checked functions;
//! - [`migration`]: recognising a hand-written hook under the hook's key;
//! - [`naming`]: the framework's and the canary plugin's naming rules.

pub mod alarm_settings;
pub mod alarms;
pub mod deployment_settings;
pub mod first_deploy;
pub mod functions;
pub mod hook_function;
pub mod iam;
pub mod migration;
pub mod naming;
pub mod options;
pub mod secrets;
pub mod versioning;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::appspec::LifecycleEvent;
use crate::error::ConfigErrors;
use crate::hook_config::{HookConfig, Skip};
use crate::node::{describe, join};

pub use first_deploy::FirstDeployGate;
pub use hook_function::{Artifact, CompiledHook, PostTrafficHook};
pub use iam::IamChanges;

/// What the plugin knows that the service config does not hold.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PluginFacts {
    /// The plugin's version: names the shipped zips.
    pub version: String,
    /// Where the hook's artifact is written (`.serverless`).
    #[serde(default = "default_artifact_dir")]
    pub artifact_dir: String,
    /// The stage in force (`--stage` wins over `provider.stage`).
    #[serde(default)]
    pub stage: Option<String>,
    /// The framework's stack name (`provider.stackName` or `<service>-<stage>`).
    #[serde(default)]
    pub stack_name: Option<String>,
    /// The checks are skipped on purpose for this package (the plugin read `PREHOOK_SKIP`).
    #[serde(default)]
    pub skip: Option<Skip>,
}

fn default_artifact_dir() -> String {
    ".serverless".to_owned()
}

/// What to do with the service.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum Plan {
    /// Inject the hook.
    Apply(Box<Changes>),
    /// Nothing to check (no function has `prehook`, or canary deployments are off for the stage).
    Skip { reason: String },
}

// With the `napi` feature (crates/prehook-node's), this and the types it holds are declared to
// napi-rs, so that the addon's generated index.d.ts types what the plugin reads from the core's
// own definitions (their doc comments included). Declarations only (`object_to_js = false`):
// the value crosses as its serde JSON, as the snapshots show it, because napi-rs 3 cannot
// convert it: `hook_config` (the checks model: flattened and untagged enums) has no napi form,
// and `#[napi(skip)]` leaves a field out of the typings only, not out of the conversion. So the
// typings follow serde: a field serde leaves out when empty is `| undefined`, and the `None`s
// of `IamChanges`, which serde writes, `| null`.
/// What the plugin changes in the service (JS: the addon's `TransformResult.changes`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "napi",
    napi_derive::napi(object, object_to_js = false, object_from_js = false)
)]
pub struct Changes {
    /// Key of the injected function in `functions`.
    pub hook_function_key: String,
    pub hook_function: Value,
    /// What to change in the hook's compiled resource once every plugin has compiled it.
    pub compiled_hook: CompiledHook,
    /// The post-traffic hook function, only when a function has `afterTraffic`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_traffic_hook: Option<PostTrafficHook>,
    pub artifact: Artifact,
    /// `prehook.json`, the hook's checks config, shipped next to `bootstrap`
    /// (crates/prehook-hook/src/config.rs says where the hook looks for it).
    pub prehook_json: String,
    /// The same config as a value. The plugin reads `prehook_json`: the typings leave this out
    /// (it still crosses, as JSON).
    #[cfg_attr(feature = "napi", napi(skip))]
    pub hook_config: HookConfig,
    /// The complete `deploymentSettings` of each checked function, by function key.
    pub deployment_settings: BTreeMap<String, Value>,
    /// Checked functions to give `versionFunction: true` (`provider.versionFunctions` is `false`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "napi", napi(ts_type = "Array<string> | undefined"))]
    pub versioned_functions: Vec<String>,
    pub iam: IamChanges,
    /// Rollback alarms (`AWS::CloudWatch::Alarm`) to add to `resources.Resources`, by logical id.
    #[serde(skip_serializing_if = "Map::is_empty")]
    #[cfg_attr(feature = "napi", napi(ts_type = "Record<string, any> | undefined"))]
    pub alarms: Map<String, Value>,
    /// What the plugin finishes in the compiled template for the alarms of each alias: the
    /// `ExecutedVersion` dimension (the version the deploy creates) and the alias's `DependsOn`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "napi", napi(ts_type = "Array<AliasAlarms> | undefined"))]
    pub alias_alarms: Vec<alarms::AliasAlarms>,
    /// The first-deploy gate of each checked function, completed by the plugin in the compiled
    /// template; empty with `custom.prehook.firstDeploy: false`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "napi", napi(ts_type = "Array<FirstDeployGate> | undefined"))]
    pub first_deploy: Vec<FirstDeployGate>,
    /// One line per checked function, for the package-time log.
    pub summary: Vec<String>,
    /// What the package-time log must show as warnings (checks skipped on purpose, credentials
    /// written as plain text).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "napi", napi(ts_type = "Array<string> | undefined"))]
    pub warnings: Vec<String>,
}

/// Transforms `service` (the resolved service config as JSON).
pub fn transform(service: &Value, facts: &PluginFacts) -> Result<Plan, ConfigErrors> {
    let mut errors = ConfigErrors::default();
    let empty = Map::new();
    let root = match service {
        Value::Object(root) => root,
        other => {
            errors.push(
                "",
                format!(
                    "expected the service config as a mapping, got {}",
                    describe(other)
                ),
            );
            return Err(errors);
        }
    };
    let section = |key: &str| match root.get(key) {
        Some(Value::Object(map)) => map,
        _ => &empty,
    };
    let provider = section("provider");
    let functions = section("functions");
    let custom = section("custom");

    let naming = naming_of(root, provider, facts);
    let options = options::parse(custom.get("prehook"), &mut errors);
    let checked = functions::parse(
        functions,
        |key| naming.default_function_name(key),
        options.timeout,
        &mut errors,
    );

    let canary = custom.get("deploymentSettings").and_then(Value::as_object);
    let settings = deployment_settings::Sources {
        hook_key: &options.function_key,
        post_hook_key: &options.post_function_key,
        functions,
        prehook: &options.deployment_settings,
        canary,
    };
    settings.validate_shared(&mut errors);

    if functions.contains_key(&options.function_key) {
        let key = &options.function_key;
        match migration::hand_written_hook_evidence(key, functions, canary) {
            Some(evidence) => errors.push(
                join("functions", key),
                format!(
                    "looks like a hand-written traffic hook ({evidence}), and serverless-prehook injects its own hook under the key `{key}`. To migrate, write its checks as `prehook` of the functions it checks, then delete functions.{key} and every `preTrafficHook: {key}` (the plugin sets preTrafficHook itself). To keep it for functions without `prehook`, set custom.prehook.functionName to a free key (e.g. `prehookChecks`)"
                ),
            ),
            None => {
                let path = if custom
                    .get("prehook")
                    .and_then(|p| p.get("functionName"))
                    .is_some()
                {
                    "custom.prehook.functionName"
                } else {
                    "functions"
                };
                errors.push(
                    path,
                    format!(
                        "the hook is injected as the function `{key}`, but `functions` already has one of that key: rename yours, or set custom.prehook.functionName to a free key"
                    ),
                );
            }
        }
    }
    let hook_name = naming.default_function_name(&options.function_key);
    if hook_name.len() > 64 {
        errors.push(
            "custom.prehook.functionName",
            format!("the hook's deployed name {hook_name:?} is longer than Lambda's 64 characters: choose a shorter key"),
        );
    }
    // The post-traffic hook is a function of its own, deployed only for `afterTraffic`.
    let post_hook_name = checked
        .iter()
        .any(|f| !f.checks.after_traffic.is_empty())
        .then(|| naming.default_function_name(&options.post_function_key));
    if let Some(post_hook_name) = &post_hook_name {
        check_post_hook_key(&options, custom, functions, post_hook_name, &mut errors);
    }

    let mut deployment_settings: BTreeMap<String, Value> = checked
        .iter()
        .map(|f| {
            (
                f.key.clone(),
                Value::Object(settings.merge(
                    &f.key,
                    !f.checks.after_traffic.is_empty(),
                    &mut errors,
                )),
            )
        })
        .collect();

    let resources = root
        .get("resources")
        .and_then(|r| r.get("Resources"))
        .and_then(Value::as_object);
    let alarms = alarms::build(
        &alarms::AlarmInput {
            naming: &naming,
            provider,
            functions,
            service_level: custom.get("prehook").and_then(|p| p.get("alarms")),
            settings: &settings,
            existing_resources: resources,
        },
        &checked,
        &mut deployment_settings,
        &mut errors,
    );
    let first_deploy = if options.first_deploy {
        first_deploy::gates(
            &first_deploy::GateInput {
                hook_key: &options.function_key,
                checked: &checked,
                deployment_settings: &deployment_settings,
                canary,
                existing_resources: resources,
            },
            &mut errors,
        )
    } else {
        Vec::new()
    };
    let iam = iam::build(
        &iam::IamInput {
            mode: options.iam,
            naming: &naming,
            provider,
            existing_resources: resources,
            hook_key: &options.function_key,
            hook_name: &hook_name,
            post_hook_name: post_hook_name.as_deref(),
            checked: &checked,
            has_post_traffic_hook: checked
                .iter()
                .any(|f| settings.foreign_post_traffic_hook(&f.key).is_some()),
            in_vpc: options.vpc.is_some(),
            get_alias: (!first_deploy.is_empty())
                .then(|| first_deploy::get_alias_statement(&first_deploy, &checked)),
        },
        &mut errors,
    );
    let versioned_functions =
        versioning::functions_to_version(provider, functions, &checked, &mut errors);
    if let Some(skip) = &facts.skip
        && skip.reason.trim().is_empty()
    {
        errors.push(
                &skip.setting,
                "expected the reason for skipping the checks (`hotfix #123, approved by X`); leave it unset to run them",
            );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if checked.is_empty() {
        return Ok(Plan::Skip {
            reason: "no function has `prehook`: nothing to check".to_owned(),
        });
    }
    if let Some(stages) = canary
        .and_then(|c| c.get("stages"))
        .and_then(Value::as_array)
        && !stages.is_empty()
        && !stages
            .iter()
            .any(|s| s.as_str() == Some(naming.stage.as_str()))
    {
        return Ok(Plan::Skip {
            reason: format!(
                "custom.deploymentSettings.stages leaves out the stage {:?}: serverless-plugin-canary-deployments deploys it without CodeDeploy, so there is nothing to check",
                naming.stage
            ),
        });
    }

    let hook_config = HookConfig {
        functions: checked
            .iter()
            .map(|f| (f.name.clone(), f.checks.clone()))
            .collect(),
        skip: facts.skip.clone(),
    };
    let prehook_json = hook_config.to_json();
    let artifact =
        hook_function::artifact(&options, &facts.version, &facts.artifact_dir, &prehook_json);
    let hook_function = hook_function::definition(
        &options,
        &hook_name,
        LifecycleEvent::BeforeAllowTraffic,
        &facts.version,
        &artifact,
        iam.role.as_deref(),
    );
    let compiled_hook = hook_function::compiled(
        &options.function_key,
        LifecycleEvent::BeforeAllowTraffic,
        options.vpc.as_ref(),
        iam.role.as_deref(),
    );
    let post_traffic_hook = post_hook_name.map(|name| PostTrafficHook {
        function_key: options.post_function_key.clone(),
        function: hook_function::definition(
            &options,
            &name,
            LifecycleEvent::AfterAllowTraffic,
            &facts.version,
            &artifact,
            iam.role.as_deref(),
        ),
        compiled_hook: hook_function::compiled(
            &options.post_function_key,
            LifecycleEvent::AfterAllowTraffic,
            options.vpc.as_ref(),
            iam.role.as_deref(),
        ),
    });
    let summary = checked
        .iter()
        .map(|f| {
            let mut line = summary_line(f);
            if let Some(note) = alarms.notes.get(&f.key) {
                line = format!("{line}; {note}");
            }
            if versioned_functions.contains(&f.key) {
                line.push_str("; published as versions although provider.versionFunctions is false: its checks run against the new one");
            }
            line
        })
        .collect();
    let mut warnings: Vec<String> = facts
        .skip
        .iter()
        .map(|skip| {
            format!(
                "{} is set: the hook will report Succeeded for the deployments of this package WITHOUT running any check (reason: {:?}). Package again without {} to run the checks.",
                skip.setting, skip.reason, skip.setting
            )
        })
        .collect();
    warnings.extend(secrets::warnings(&checked));
    Ok(Plan::Apply(Box::new(Changes {
        hook_function_key: options.function_key.clone(),
        hook_function,
        compiled_hook,
        post_traffic_hook,
        artifact,
        prehook_json,
        hook_config,
        deployment_settings,
        versioned_functions,
        iam,
        alarms: alarms.resources,
        alias_alarms: alarms.aliases,
        first_deploy,
        summary,
        warnings,
    })))
}

/// The post-traffic hook's key must be free in `functions`, and its deployed name fit Lambda's.
fn check_post_hook_key(
    options: &options::Options,
    custom: &Map<String, Value>,
    functions: &Map<String, Value>,
    post_hook_name: &str,
    errors: &mut ConfigErrors,
) {
    let key = &options.post_function_key;
    let configured = custom
        .get("prehook")
        .and_then(|p| p.get("postTrafficFunctionName"))
        .is_some();
    let path = if configured {
        "custom.prehook.postTrafficFunctionName".to_owned()
    } else {
        join("functions", key)
    };
    if functions.contains_key(key) {
        errors.push(
            &path,
            format!(
                "`afterTraffic` injects the post-traffic hook as the function `{key}`, but `functions` already has one of that key: rename yours, or set custom.prehook.postTrafficFunctionName to a free key"
            ),
        );
    }
    if post_hook_name.len() > 64 {
        let path = if configured {
            "custom.prehook.postTrafficFunctionName"
        } else {
            "custom.prehook.functionName"
        };
        errors.push(
            path,
            format!("the post-traffic hook's deployed name {post_hook_name:?} is longer than Lambda's 64 characters: choose a shorter key (custom.prehook.postTrafficFunctionName)"),
        );
    }
}

fn naming_of(
    root: &Map<String, Value>,
    provider: &Map<String, Value>,
    facts: &PluginFacts,
) -> naming::Naming {
    let service = match root.get("service") {
        Some(Value::String(name)) => name.clone(),
        Some(Value::Object(map)) => map
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    };
    // What the framework resolved wins; a bare config falls back to `provider.<key>`.
    let resolved = |fact: &Option<String>, key: &str| {
        fact.clone()
            .or_else(|| provider.get(key).and_then(Value::as_str).map(str::to_owned))
    };
    let stage = resolved(&facts.stage, "stage").unwrap_or_else(|| "dev".to_owned());
    let stack_name =
        resolved(&facts.stack_name, "stackName").unwrap_or_else(|| format!("{service}-{stage}"));
    naming::Naming {
        service,
        stage,
        stack_name,
    }
}

/// `website (my-svc-dev-website): apigateway, 2 checks (GET /healthcheck, home), 2 retries, 10 s per attempt`,
/// with `, 1 after traffic (GET /smoke)` before the retries when there are post-traffic checks.
fn summary_line(function: &functions::CheckedFunction) -> String {
    let checks = &function.checks;
    let names: Vec<&str> = checks.checks.iter().map(|c| c.name.as_str()).collect();
    let after: Vec<&str> = checks
        .after_traffic
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let after = if after.is_empty() {
        String::new()
    } else {
        format!(", {} after traffic ({})", after.len(), after.join(", "))
    };
    format!(
        "{} ({}): {}, {} check{} ({}){after}, {} retr{}, {} s per attempt",
        function.key,
        function.name,
        checks.event,
        names.len(),
        if names.len() == 1 { "" } else { "s" },
        names.join(", "),
        checks.retries,
        if checks.retries == 1 { "y" } else { "ies" },
        checks.timeout
    )
}
