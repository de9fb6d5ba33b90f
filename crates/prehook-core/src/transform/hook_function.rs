//! The injected hook function, the name of its artifact, and what the plugin changes in its
//! compiled resource.
//!
//! The framework applies several `provider` settings to every function, some with no
//! per-function way out (`provider.environment` is merged into each function's own). The hook
//! needs none of the service's environment, layers, VPC, tracing, KMS key or logging
//! configuration, so the plugin removes them from the compiled `AWS::Lambda::Function` once
//! every plugin has compiled it. The README's "What the hook takes from your service" table
//! says why, setting by setting.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::naming::lambda_logical_id;
use super::options::{Options, Vpc};
use crate::appspec::LifecycleEvent;
use crate::hook_config::LIFECYCLE_EVENT_VAR;

/// Properties of the compiled hook function that come only from `provider` settings the hook
/// does not take: `Environment` (`provider.environment`), `Layers` (`provider.layers`),
/// `KmsKeyArn` (`provider.kmsKeyArn`, which only encrypts environment variables),
/// `TracingConfig` (`provider.tracing.lambda`), `LoggingConfig` (`provider.logs.lambda`, osls),
/// `VpcConfig` (`provider.vpc`, unless `custom.prehook.vpc` gives the hook one of its own).
const NOT_INHERITED: [&str; 5] = [
    "Environment",
    "Layers",
    "KmsKeyArn",
    "TracingConfig",
    "LoggingConfig",
];

/// What the plugin changes in the compiled hook function, after every plugin has compiled it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "napi",
    napi_derive::napi(object, object_to_js = false, object_from_js = false)
)]
pub struct CompiledHook {
    /// The hook's `AWS::Lambda::Function` in the compiled template.
    pub logical_id: String,
    /// Properties to delete.
    pub remove_properties: Vec<String>,
    /// Properties to set once the others are removed: `Environment` with only
    /// `PREHOOK_LIFECYCLE_EVENT`, the event this hook function serves, and `VpcConfig` from
    /// `custom.prehook.vpc`.
    #[serde(skip_serializing_if = "Map::is_empty")]
    #[cfg_attr(feature = "napi", napi(ts_type = "Record<string, any> | undefined"))]
    pub set_properties: Map<String, Value>,
    /// `DependsOn` entries a `Fn::GetAtt` in its properties already enforces: the framework adds
    /// the role of a function with a `role` of its own to both (cfn-lint W3005).
    pub remove_depends_on: Vec<String>,
}

/// What to change in the compiled hook function at `hook_key`, the hook of `event`.
pub fn compiled(
    hook_key: &str,
    event: LifecycleEvent,
    vpc: Option<&Vpc>,
    role: Option<&str>,
) -> CompiledHook {
    let mut remove_properties: Vec<String> =
        NOT_INHERITED.iter().map(|p| (*p).to_owned()).collect();
    let mut set_properties = Map::new();
    // Set here rather than as the function's `environment`, which the framework would merge
    // with `provider.environment`: the service's environment is removed, this one put back.
    set_properties.insert(
        "Environment".to_owned(),
        json!({ "Variables": { LIFECYCLE_EVENT_VAR: event.as_str() } }),
    );
    match vpc {
        Some(vpc) => {
            set_properties.insert(
                "VpcConfig".to_owned(),
                json!({
                    "SecurityGroupIds": vpc.security_group_ids,
                    "SubnetIds": vpc.subnet_ids,
                }),
            );
        }
        None => remove_properties.push("VpcConfig".to_owned()),
    }
    CompiledHook {
        logical_id: lambda_logical_id(hook_key),
        remove_properties,
        set_properties,
        remove_depends_on: role.map(str::to_owned).into_iter().collect(),
    }
}

/// The post-traffic hook function: the same artifact and role as the pre-traffic hook, under a
/// key of its own, with `PREHOOK_LIFECYCLE_EVENT=AfterAllowTraffic`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "napi",
    napi_derive::napi(object, object_to_js = false, object_from_js = false)
)]
pub struct PostTrafficHook {
    /// Key of the injected function in `functions`.
    pub function_key: String,
    pub function: Value,
    pub compiled_hook: CompiledHook,
}

/// The hook's zip as shipped in the npm package, and the copy with `prehook.json` the
/// deployment uses.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "napi",
    napi_derive::napi(object, object_to_js = false, object_from_js = false)
)]
pub struct Artifact {
    pub architecture: String,
    /// File name of the shipped zip in the package's `hook/` folder: `prehook-<version>-<arch>.zip`.
    pub shipped_file_name: String,
    /// Unique per config: the framework derives the S3 key from the file name.
    pub file_name: String,
    /// `<artifactDir>/<fileName>`, relative to the service unless `artifactDir` is absolute.
    pub path: String,
}

pub fn artifact(
    options: &Options,
    version: &str,
    artifact_dir: &str,
    config_json: &str,
) -> Artifact {
    let arch = &options.architecture;
    let hash = fnv1a64(format!("{version}\n{arch}\n{config_json}").as_bytes());
    let file_name = format!("prehook-{version}-{arch}-{:012x}.zip", hash >> 16);
    Artifact {
        architecture: arch.clone(),
        shipped_file_name: format!("prehook-{version}-{arch}.zip"),
        path: format!("{}/{file_name}", artifact_dir.trim_end_matches('/')),
        file_name,
    }
}

/// The function definition to put at `functions.<key>`, for the hook of `event`: both hook
/// functions run the same artifact with the same role.
pub fn definition(
    options: &Options,
    name: &str,
    event: LifecycleEvent,
    version: &str,
    artifact: &Artifact,
    role: Option<&str>,
) -> Value {
    let when = match event {
        LifecycleEvent::BeforeAllowTraffic => "before CodeDeploy shifts traffic to them",
        LifecycleEvent::AfterAllowTraffic => "after CodeDeploy shifted all traffic to them",
    };
    let mut function = json!({
        "name": name,
        "description": format!("serverless-prehook {version}: checks new versions {when}"),
        "handler": "bootstrap",
        "runtime": options.runtime,
        "architecture": options.architecture,
        "memorySize": options.memory_size,
        "timeout": options.timeout,
        "package": { "artifact": artifact.path },
        "events": [],
        // CodeDeploy invokes the hook unqualified: versions of it would only pile up.
        "versionFunction": false,
    });
    if let Some(role) = role {
        function["role"] = Value::from(role);
    }
    function
}

/// A stable, dependency-free content hash: only uniqueness of file names depends on it.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
