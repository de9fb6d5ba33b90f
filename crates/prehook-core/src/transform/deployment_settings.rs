//! `deploymentSettings` of every checked function, as serverless-plugin-canary-deployments reads
//! them: `preTrafficHook` set to the hook, and the user's explicit values kept.
//!
//! Precedence, highest first: the function's own `deploymentSettings`, `custom.prehook.deploymentSettings`,
//! the canary plugin's `custom.deploymentSettings` (it merges those under the function's
//! settings itself, so we leave its keys alone), then our defaults.

use serde_json::{Map, Value};

use crate::error::ConfigErrors;
use crate::node::{describe, join};

/// Shift all traffic once the checks pass: the checks are the gate.
pub const DEFAULT_TYPE: &str = "AllAtOnce";
pub const DEFAULT_ALIAS: &str = "Live";

/// The deployment configurations CodeDeploy predefines for Lambda (the canary plugin builds
/// `CodeDeployDefault.Lambda<type>`).
pub const TYPES: [&str; 9] = [
    "AllAtOnce",
    "Canary10Percent5Minutes",
    "Canary10Percent10Minutes",
    "Canary10Percent15Minutes",
    "Canary10Percent30Minutes",
    "Linear10PercentEvery1Minute",
    "Linear10PercentEvery2Minutes",
    "Linear10PercentEvery3Minutes",
    "Linear10PercentEvery10Minutes",
];

/// Keys `custom.prehook.deploymentSettings` accepts: the canary plugin's per-function keys but
/// `preTrafficHook`, which is ours.
pub const PREHOOK_KEYS: [&str; 6] = [
    "type",
    "alias",
    "alarms",
    "postTrafficHook",
    "triggerConfigurations",
    "codeDeployRole",
];

/// What the settings of one function are merged from.
pub struct Sources<'a> {
    pub hook_key: &'a str,
    pub functions: &'a Map<String, Value>,
    /// `custom.prehook.deploymentSettings`.
    pub prehook: &'a Map<String, Value>,
    /// `custom.deploymentSettings` (the canary plugin's own defaults).
    pub canary: Option<&'a Map<String, Value>>,
}

impl Sources<'_> {
    /// Reports problems in the settings shared by every function, once.
    pub fn validate_shared(&self, errors: &mut ConfigErrors) {
        let path = "custom.prehook.deploymentSettings";
        for key in self.prehook.keys() {
            if key == "preTrafficHook" {
                errors.push(
                    join(path, key),
                    "serverless-prehook is the pre-traffic hook of every checked function: remove this key",
                );
            } else if !PREHOOK_KEYS.contains(&key.as_str()) {
                errors.push(
                    join(path, key),
                    format!("unknown key; expected one of: {}", PREHOOK_KEYS.join(", ")),
                );
            }
        }
        self.validate_values(self.prehook, path, errors);
        if let Some(canary) = self.canary {
            let path = "custom.deploymentSettings";
            self.validate_pre_traffic_hook(canary, path, "every function", errors);
            self.validate_values(canary, path, errors);
        }
    }

    /// The merged settings of checked function `key`.
    pub fn merge(&self, key: &str, errors: &mut ConfigErrors) -> Map<String, Value> {
        let path = join(&join("functions", key), "deploymentSettings");
        let own = match self
            .functions
            .get(key)
            .and_then(|f| f.get("deploymentSettings"))
        {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(own)) => {
                self.validate_pre_traffic_hook(own, &path, "this function", errors);
                self.validate_values(own, &path, errors);
                own.clone()
            }
            Some(other) => {
                errors.push(
                    &path,
                    format!(
                        "expected a mapping (type, alias, alarms, ...), got {}",
                        describe(other)
                    ),
                );
                Map::new()
            }
        };

        let mut merged = Map::new();
        for (name, value) in [("type", DEFAULT_TYPE), ("alias", DEFAULT_ALIAS)] {
            if !self.canary.is_some_and(|c| c.contains_key(name)) {
                merged.insert(name.to_owned(), Value::from(value));
            }
        }
        merged.extend(
            self.prehook
                .iter()
                .filter(|(k, _)| PREHOOK_KEYS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        merged.extend(own);
        merged.insert("preTrafficHook".to_owned(), Value::from(self.hook_key));
        merged
    }

    fn validate_pre_traffic_hook(
        &self,
        settings: &Map<String, Value>,
        path: &str,
        scope: &str,
        errors: &mut ConfigErrors,
    ) {
        match settings.get("preTrafficHook") {
            None | Some(Value::Null) => {}
            Some(Value::String(name)) if name == self.hook_key => {}
            Some(other) => {
                let named = match other {
                    Value::String(name) => format!("the function {name:?}"),
                    other => describe(other),
                };
                errors.push(
                    join(path, "preTrafficHook"),
                    format!(
                        "names {named}, but serverless-prehook runs its checks as the pre-traffic hook of {scope}: remove `preTrafficHook` (run your own checks as `postTrafficHook`), or remove `prehook` from the function"
                    ),
                )
            }
        }
    }

    fn validate_values(
        &self,
        settings: &Map<String, Value>,
        path: &str,
        errors: &mut ConfigErrors,
    ) {
        if let Some(found) = settings.get("type") {
            if !found.as_str().is_some_and(|t| TYPES.contains(&t)) {
                errors.push(
                    join(path, "type"),
                    format!(
                        "expected one of {}, got {}",
                        TYPES.join(", "),
                        describe(found)
                    ),
                );
            }
        }
        if let Some(alias) = settings.get("alias") {
            if !alias.as_str().is_some_and(is_alias_name) {
                errors.push(
                    join(path, "alias"),
                    format!(
                        "expected an alias name of letters, digits, `-` and `_` (not only digits), got {}",
                        describe(alias)
                    ),
                );
            }
        }
        if let Some(hook) = settings.get("postTrafficHook") {
            match hook.as_str() {
                Some(name) if self.functions.contains_key(name) => {}
                Some(name) => errors.push(
                    join(path, "postTrafficHook"),
                    format!("names the function {name:?}, which is not in `functions`: write the key of one of your functions, as under `functions`"),
                ),
                None => errors.push(
                    join(path, "postTrafficHook"),
                    format!(
                        "expected the key of a function in `functions`, got {}",
                        describe(hook)
                    ),
                ),
            }
        }
    }
}

fn is_alias_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !name.chars().all(|c| c.is_ascii_digit())
}
