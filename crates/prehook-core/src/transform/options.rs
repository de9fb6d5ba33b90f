//! `custom.prehook`: where the hook runs and how it is deployed. Every key is optional.

use serde_json::{Map, Value};

use crate::error::ConfigErrors;
use crate::hook_config::MAX_HOOK_TIMEOUT_SECS;
use crate::node::{Node, describe, index, integer, join, object, one_of, string};

const PATH: &str = "custom.prehook";
pub const KEYS: [&str; 11] = [
    "deploymentSettings",
    "functionName",
    "postTrafficFunctionName",
    "architecture",
    "runtime",
    "timeout",
    "memorySize",
    "iam",
    "alarms",
    "vpc",
    "firstDeploy",
];

/// Key of the injected function in `functions`, unless `custom.prehook.functionName` says otherwise.
pub const DEFAULT_FUNCTION_KEY: &str = "preHook";
/// Appended to the hook's key for the post-traffic hook's (`preHookPost`), unless
/// `custom.prehook.postTrafficFunctionName` says otherwise.
pub const POST_TRAFFIC_KEY_SUFFIX: &str = "Post";
/// Seconds the hook may run: room for a few functions' checks with their retries.
pub const DEFAULT_HOOK_TIMEOUT_SECS: u64 = 300;
/// The hook is a small Rust binary that waits on the network: the smallest size is plenty.
pub const DEFAULT_HOOK_MEMORY_MB: u64 = 128;
/// Bounds of `custom.prehook.timeout`: room for one default attempt and its report.
pub const MIN_HOOK_TIMEOUT_SECS: u64 = 10;
/// Lambda's bounds of `MemorySize`.
pub const MIN_HOOK_MEMORY_MB: u64 = 128;
pub const MAX_HOOK_MEMORY_MB: u64 = 10_240;
pub const IAM_MODES: [&str; 2] = ["dedicated", "shared"];
pub const VPC_KEYS: [&str; 2] = ["securityGroupIds", "subnetIds"];

pub const ARCHITECTURES: [&str; 2] = ["x86_64", "arm64"];
/// The only OS-only runtime Lambda still creates and updates functions on.
pub const RUNTIMES: [&str; 1] = ["provided.al2023"];
/// Lambda blocked creating functions on it on 2026-07-31 and updating them on 2026-08-31.
pub const RETIRED_RUNTIME: &str = "provided.al2";

/// Where the hook's IAM statements go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IamMode {
    /// A role of the hook's own: the application's functions gain no CodeDeploy or invoke rights.
    Dedicated,
    /// The framework's shared execution role.
    Shared,
}

impl IamMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dedicated => "dedicated",
            Self::Shared => "shared",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub function_key: String,
    /// Key of the post-traffic hook function, injected only when a function has `afterTraffic`.
    pub post_function_key: String,
    pub architecture: String,
    pub runtime: String,
    pub timeout: u64,
    pub memory_size: u64,
    pub iam: IamMode,
    /// `custom.prehook.deploymentSettings`, checked by [`super::deployment_settings`].
    pub deployment_settings: Map<String, Value>,
    /// `custom.prehook.vpc`: the hook runs in a VPC only when asked here, never because
    /// `provider.vpc` is set.
    pub vpc: Option<Vpc>,
    /// `custom.prehook.firstDeploy`: check a version whose alias does not exist yet during the
    /// CloudFormation deploy (see [`super::first_deploy`]).
    pub first_deploy: bool,
}

/// Where the hook's network interfaces go (`custom.prehook.vpc`).
#[derive(Debug, Clone, PartialEq)]
pub struct Vpc {
    /// Each a string or an intrinsic function (`Ref`, `Fn::ImportValue`, ...), kept as given.
    pub security_group_ids: Vec<Value>,
    pub subnet_ids: Vec<Value>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            function_key: DEFAULT_FUNCTION_KEY.to_owned(),
            post_function_key: format!("{DEFAULT_FUNCTION_KEY}{POST_TRAFFIC_KEY_SUFFIX}"),
            architecture: ARCHITECTURES[0].to_owned(),
            runtime: RUNTIMES[0].to_owned(),
            timeout: DEFAULT_HOOK_TIMEOUT_SECS,
            memory_size: DEFAULT_HOOK_MEMORY_MB,
            iam: IamMode::Dedicated,
            deployment_settings: Map::new(),
            vpc: None,
            first_deploy: true,
        }
    }
}

/// Reads `custom.prehook` (absent or `null` means every default).
pub fn parse(value: Option<&Value>, errors: &mut ConfigErrors) -> Options {
    let mut options = Options::default();
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return options;
    };
    let Some(map) = object(Node::new(value, PATH), &KEYS, errors) else {
        return options;
    };
    let mut post_function_key = None;
    for (key, value) in map {
        let path = join(PATH, key);
        let node = Node::new(value, &path);
        match key.as_str() {
            "functionName" => {
                if let Some(name) = string(node, errors) {
                    if is_function_key(&name) {
                        options.function_key = name;
                    } else {
                        errors.push(
                            &path,
                            format!("expected a function key of letters, digits, `-` and `_`, got {name:?}"),
                        );
                    }
                }
            }
            "postTrafficFunctionName" => {
                if let Some(name) = string(node, errors) {
                    if is_function_key(&name) {
                        post_function_key = Some(name);
                    } else {
                        errors.push(
                            &path,
                            format!("expected a function key of letters, digits, `-` and `_`, got {name:?}"),
                        );
                    }
                }
            }
            "architecture" => {
                if let Some(found) = one_of(node, &ARCHITECTURES, errors) {
                    options.architecture = found;
                }
            }
            "runtime" if value.as_str() == Some(RETIRED_RUNTIME) => errors.push(
                &path,
                format!(
                    "Lambda no longer creates or updates functions on {RETIRED_RUNTIME} (blocked since 2026-08-31): use {} (the default: remove this key). A stack whose hook runs on {RETIRED_RUNTIME} moves to {} with its next deploy, as an ordinary update of the hook function",
                    RUNTIMES[0], RUNTIMES[0]
                ),
            ),
            "runtime" => {
                if let Some(found) = one_of(node, &RUNTIMES, errors) {
                    options.runtime = found;
                }
            }
            "vpc" => options.vpc = vpc(node, errors),
            "firstDeploy" => match value {
                Value::Bool(on) => options.first_deploy = *on,
                other => errors.push(
                    &path,
                    format!(
                        "expected true (check the version a new alias will point at, the default) or false, got {}",
                        describe(other)
                    ),
                ),
            },
            "timeout" => {
                if let Some(n) = integer(node, MIN_HOOK_TIMEOUT_SECS, MAX_HOOK_TIMEOUT_SECS, errors) {
                    options.timeout = n;
                }
            }
            "memorySize" => {
                if let Some(n) = integer(node, MIN_HOOK_MEMORY_MB, MAX_HOOK_MEMORY_MB, errors) {
                    options.memory_size = n;
                }
            }
            "iam" => match one_of(node, &IAM_MODES, errors).as_deref() {
                Some("shared") => options.iam = IamMode::Shared,
                Some(_) => options.iam = IamMode::Dedicated,
                None => {}
            },
            "deploymentSettings" => match value {
                Value::Object(settings) => options.deployment_settings = settings.clone(),
                other => errors.push(
                    &path,
                    format!(
                        "expected a mapping (type, alias, alarms, ...), got {}",
                        describe(other)
                    ),
                ),
            },
            _ => {}
        }
    }
    options.post_function_key = post_function_key
        .unwrap_or_else(|| format!("{}{POST_TRAFFIC_KEY_SUFFIX}", options.function_key));
    if options.post_function_key == options.function_key {
        errors.push(
            join(PATH, "postTrafficFunctionName"),
            format!(
                "names the pre-traffic hook's key {:?}: the post-traffic hook is a function of its own, under another key",
                options.function_key
            ),
        );
    }
    options
}

/// `securityGroupIds` and `subnetIds`, both required and non-empty, as Lambda's `VpcConfig` needs.
fn vpc(node: Node<'_>, errors: &mut ConfigErrors) -> Option<Vpc> {
    let map = object(node, &VPC_KEYS, errors)?;
    let mut ids = |key: &str| {
        let path = join(node.path, key);
        match map.get(key) {
            Some(Value::Array(items)) if !items.is_empty() => {
                let mut good = true;
                for (i, item) in items.iter().enumerate() {
                    if !(item.is_string() || item.is_object()) {
                        good = false;
                        errors.push(
                            index(&path, i),
                            format!(
                                "expected an id (a string or an intrinsic function such as Ref), got {}",
                                describe(item)
                            ),
                        );
                    }
                }
                good.then(|| items.clone())
            }
            Some(other) => {
                let got = match other {
                    Value::Array(_) => "an empty list".to_owned(),
                    other => describe(other),
                };
                errors.push(
                    &path,
                    format!("expected a non-empty list of ids, got {got}"),
                );
                None
            }
            None => {
                errors.push(
                    &path,
                    "missing: the hook needs both securityGroupIds and subnetIds to run in a VPC (or remove custom.prehook.vpc to run it outside any VPC)",
                );
                None
            }
        }
    };
    let security_group_ids = ids("securityGroupIds");
    let subnet_ids = ids("subnetIds");
    Some(Vpc {
        security_group_ids: security_group_ids?,
        subnet_ids: subnet_ids?,
    })
}

fn is_function_key(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
