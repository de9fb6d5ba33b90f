//! Published versions for the checked functions: CodeDeploy shifts an alias from one version
//! to the next, and the hook invokes `function:TargetVersion`. With `provider.versionFunctions:
//! false` the framework publishes none, and the canary plugin's alias would point at
//! `Fn::GetAtt: [null, Version]`, a template CloudFormation rejects.

use serde_json::{Map, Value};

use super::functions::CheckedFunction;
use crate::error::ConfigErrors;
use crate::node::join;

/// The checked functions that need `versionFunction: true` because `provider.versionFunctions`
/// is `false` and they say nothing themselves (the framework's per-function override). A
/// checked function with its own `versionFunction: false` is an error: the user asked for both.
pub fn functions_to_version(
    provider: &Map<String, Value>,
    functions: &Map<String, Value>,
    checked: &[CheckedFunction],
    errors: &mut ConfigErrors,
) -> Vec<String> {
    let provider_off = provider.get("versionFunctions") == Some(&Value::Bool(false));
    let mut to_version = Vec::new();
    for function in checked {
        let own = functions
            .get(&function.key)
            .and_then(|f| f.get("versionFunction"));
        match own {
            Some(Value::Bool(false)) => errors.push(
                join(&join("functions", &function.key), "versionFunction"),
                "is false, but the function has `prehook`: its checks run against the version CodeDeploy is about to shift traffic to, so it needs published versions. Remove `versionFunction: false`, or remove `prehook`",
            ),
            None | Some(Value::Null) if provider_off => to_version.push(function.key.clone()),
            _ => {}
        }
    }
    to_version
}
