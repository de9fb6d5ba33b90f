//! `custom.prehook`: where the hook runs and how it is deployed. Every key is optional.

use serde_json::{Map, Value};

use crate::error::ConfigErrors;
use crate::node::{Node, describe, integer, join, object, one_of, string};

const PATH: &str = "custom.prehook";
const KEYS: [&str; 8] = [
    "deploymentSettings",
    "functionName",
    "architecture",
    "runtime",
    "timeout",
    "memorySize",
    "iam",
    "alarms",
];

/// Key of the injected function in `functions`, unless `custom.prehook.functionName` says otherwise.
pub const DEFAULT_FUNCTION_KEY: &str = "preHook";
/// Seconds the hook may run: room for a few functions' checks with their retries.
pub const DEFAULT_HOOK_TIMEOUT_SECS: u64 = 300;
/// The hook is a small Rust binary that waits on the network: the smallest size is plenty.
pub const DEFAULT_HOOK_MEMORY_MB: u64 = 128;

pub const ARCHITECTURES: [&str; 2] = ["x86_64", "arm64"];
/// `provided.al2023` first: Lambda stopped creating `provided.al2` functions on 2026-07-31.
/// The hook is linked against glibc 2.26, so it runs on both.
pub const RUNTIMES: [&str; 2] = ["provided.al2023", "provided.al2"];

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
    pub architecture: String,
    pub runtime: String,
    pub timeout: u64,
    pub memory_size: u64,
    pub iam: IamMode,
    /// `custom.prehook.deploymentSettings`, checked by [`super::deployment_settings`].
    pub deployment_settings: Map<String, Value>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            function_key: DEFAULT_FUNCTION_KEY.to_owned(),
            architecture: ARCHITECTURES[0].to_owned(),
            runtime: RUNTIMES[0].to_owned(),
            timeout: DEFAULT_HOOK_TIMEOUT_SECS,
            memory_size: DEFAULT_HOOK_MEMORY_MB,
            iam: IamMode::Dedicated,
            deployment_settings: Map::new(),
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
            "architecture" => {
                if let Some(found) = one_of(node, &ARCHITECTURES, errors) {
                    options.architecture = found;
                }
            }
            "runtime" => {
                if let Some(found) = one_of(node, &RUNTIMES, errors) {
                    options.runtime = found;
                }
            }
            "timeout" => {
                if let Some(n) = integer(node, 10, 900, errors) {
                    options.timeout = n;
                }
            }
            "memorySize" => {
                if let Some(n) = integer(node, 128, 10_240, errors) {
                    options.memory_size = n;
                }
            }
            "iam" => match one_of(node, &["dedicated", "shared"], errors).as_deref() {
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
    options
}

fn is_function_key(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
