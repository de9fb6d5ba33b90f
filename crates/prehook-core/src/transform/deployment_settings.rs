//! `deploymentSettings` of every checked function, as serverless-plugin-canary-deployments reads
//! them: `preTrafficHook` set to the hook (and `postTrafficHook` to the post-traffic hook, a
//! function of its own, for a function with `prehook.afterTraffic`), and the user's explicit
//! values kept.
//!
//! Precedence, highest first: the function's own `deploymentSettings`, `custom.prehook.deploymentSettings`,
//! the canary plugin's `custom.deploymentSettings` (it merges those under the function's
//! settings itself, so we leave its keys alone), then our defaults. [`Sources::setting`] is that
//! order, for every reader of one setting (`postTrafficHook` here, `alias` and `alarms` in
//! `alarms.rs`); [`Sources::merge`] writes what the canary plugin then reads.

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
    /// Key of the post-traffic hook function.
    pub post_hook_key: &'a str,
    pub functions: &'a Map<String, Value>,
    /// `custom.prehook.deploymentSettings`.
    pub prehook: &'a Map<String, Value>,
    /// `custom.deploymentSettings` (the canary plugin's own defaults).
    pub canary: Option<&'a Map<String, Value>>,
}

impl Sources<'_> {
    /// Whether `name` is one of our two hook functions: as a `postTrafficHook`, either means
    /// "serverless-prehook's post-traffic hook" (the pre-traffic key is what earlier versions,
    /// with one function for both events, made the post-traffic hook).
    fn is_ours(&self, name: &str) -> bool {
        name == self.hook_key || name == self.post_hook_key
    }

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
        self.refuse_hook_as_shared_post_traffic_hook(self.prehook, path, errors);
        if let Some(canary) = self.canary {
            let path = "custom.deploymentSettings";
            self.validate_pre_traffic_hook(canary, path, "every function", errors);
            self.validate_values(canary, path, errors);
            self.refuse_hook_as_shared_post_traffic_hook(canary, path, errors);
        }
    }

    /// The levels of `deploymentSettings` of function `key`, highest first, with their YAML
    /// paths; a level that is not a mapping sets nothing (`merge` reports it).
    fn levels(&self, key: &str) -> [(String, Option<&Map<String, Value>>); 3] {
        let own = self
            .functions
            .get(key)
            .and_then(|f| f.get("deploymentSettings"))
            .and_then(Value::as_object);
        [
            (join(&join("functions", key), "deploymentSettings"), own),
            (
                "custom.prehook.deploymentSettings".to_owned(),
                Some(self.prehook),
            ),
            ("custom.deploymentSettings".to_owned(), self.canary),
        ]
    }

    /// The setting `name` in force for function `key` before we add ours, with its YAML path:
    /// the highest level that sets it (`null` sets nothing); `None` leaves it to our default.
    pub fn setting(&self, key: &str, name: &str) -> Option<(String, &Value)> {
        self.levels(key).into_iter().find_map(|(path, settings)| {
            let value = settings?.get(name).filter(|v| !v.is_null())?;
            Some((join(&path, name), value))
        })
    }

    /// The alias the canary plugin gives function `key`: the one set, else ours.
    pub fn alias(&self, key: &str) -> &str {
        self.setting(key, "alias")
            .and_then(|(_, alias)| alias.as_str())
            .unwrap_or(DEFAULT_ALIAS)
    }

    /// A user's own post-traffic hook in force for function `key` (one that is not ours), with
    /// where it is set.
    pub fn foreign_post_traffic_hook(&self, key: &str) -> Option<(String, &Value)> {
        self.setting(key, "postTrafficHook")
            .filter(|(_, hook)| !hook.as_str().is_some_and(|name| self.is_ours(name)))
    }

    /// Shared settings cannot make the hook everyone's post-traffic hook: only functions with
    /// `afterTraffic` have post-traffic checks for it to run.
    fn refuse_hook_as_shared_post_traffic_hook(
        &self,
        settings: &Map<String, Value>,
        path: &str,
        errors: &mut ConfigErrors,
    ) {
        if let Some(name) = settings
            .get("postTrafficHook")
            .and_then(Value::as_str)
            .filter(|name| self.is_ours(name))
        {
            errors.push(
                join(path, "postTrafficHook"),
                format!(
                    "names serverless-prehook's hook `{name}`, which runs post-traffic checks only for functions with `prehook.afterTraffic`: remove this key and add `afterTraffic` checks to those functions"
                ),
            );
        }
    }

    /// The merged settings of checked function `key`; `after_traffic` when it has post-traffic
    /// checks, which make the post-traffic hook function its `postTrafficHook`.
    pub fn merge(
        &self,
        key: &str,
        after_traffic: bool,
        errors: &mut ConfigErrors,
    ) -> Map<String, Value> {
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
        let own_names_hook = own
            .get("postTrafficHook")
            .and_then(Value::as_str)
            .filter(|name| self.is_ours(name))
            .map(str::to_owned);
        merged.extend(own);
        merged.insert("preTrafficHook".to_owned(), Value::from(self.hook_key));
        let after_path = join(&join(&join("functions", key), "prehook"), "afterTraffic");
        if after_traffic {
            // A post-traffic hook of the user's is never replaced behind their back.
            if let Some((at, hook)) = self.foreign_post_traffic_hook(key) {
                let named = match hook {
                    Value::String(name) => format!("the function {name:?}"),
                    other => describe(other),
                };
                let remove = if at.starts_with("functions") {
                    "remove `postTrafficHook` here"
                } else {
                    "set `postTrafficHook` per function instead of in these shared settings"
                };
                errors.push(
                    at,
                    format!(
                        "names {named}, but {after_path} makes serverless-prehook the post-traffic hook of `{key}`: {remove}, or remove `afterTraffic` and keep your own post-traffic hook"
                    ),
                );
            }
            merged.insert(
                "postTrafficHook".to_owned(),
                Value::from(self.post_hook_key),
            );
        } else if let Some(name) = own_names_hook {
            errors.push(
                join(&path, "postTrafficHook"),
                format!(
                    "names serverless-prehook's hook `{name}`, which runs post-traffic checks only from `prehook.afterTraffic`: add {after_path}, or remove this key"
                ),
            );
        }
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
        if let Some(found) = settings.get("type")
            && !found.as_str().is_some_and(|t| TYPES.contains(&t))
        {
            errors.push(
                join(path, "type"),
                format!(
                    "expected one of {}, got {}",
                    TYPES.join(", "),
                    describe(found)
                ),
            );
        }
        if let Some(alias) = settings.get("alias")
            && !alias.as_str().is_some_and(is_alias_name)
        {
            errors.push(
                    join(path, "alias"),
                    format!(
                        "expected an alias name of letters, digits, `-` and `_` (not only digits), got {}",
                        describe(alias)
                    ),
                );
        }
        if let Some(hook) = settings.get("postTrafficHook") {
            match hook.as_str() {
                // Whether the hook may be named here depends on `afterTraffic`: see `merge`.
                Some(name) if self.is_ours(name) => {}
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
