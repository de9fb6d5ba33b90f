//! Users who move from a hand-written pre-traffic hook to serverless-prehook: the canary
//! plugin's README names that function `preHook`, which is also the key we inject our hook
//! under. Recognising it turns a bare key clash into a migration path.

use serde_json::{Map, Value};

use crate::node::join;

/// Why the function at `key` looks like a hand-written traffic hook (the first `preTrafficHook`
/// or `postTrafficHook` that names it, or its key), or `None`.
pub fn hand_written_hook_evidence(
    key: &str,
    functions: &Map<String, Value>,
    canary: Option<&Map<String, Value>>,
) -> Option<String> {
    let names_it = |settings: Option<&Value>, path: String| {
        ["preTrafficHook", "postTrafficHook"]
            .into_iter()
            .find(|hook| settings.and_then(|s| s.get(*hook)).and_then(Value::as_str) == Some(key))
            .map(|hook| format!("{} names it", join(&path, hook)))
    };
    functions
        .iter()
        .find_map(|(name, function)| {
            names_it(
                function.get("deploymentSettings"),
                join(&join("functions", name), "deploymentSettings"),
            )
        })
        .or_else(|| {
            canary.and_then(|c| {
                ["preTrafficHook", "postTrafficHook"]
                    .into_iter()
                    .find(|hook| c.get(*hook).and_then(Value::as_str) == Some(key))
                    .map(|hook| format!("custom.deploymentSettings.{hook} names it"))
            })
        })
        .or_else(|| {
            key.to_ascii_lowercase()
                .contains("hook")
                .then(|| "its key names a hook".to_owned())
        })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn a_reference_as_a_traffic_hook_is_the_evidence_named_first() {
        let functions = map(json!({
            "api": { "deploymentSettings": { "postTrafficHook": "checker" } },
            "checker": { "handler": "h" },
        }));
        assert_eq!(
            hand_written_hook_evidence("checker", &functions, None).as_deref(),
            Some("functions.api.deploymentSettings.postTrafficHook names it")
        );
        let canary = map(json!({ "preTrafficHook": "checker" }));
        let unreferenced = map(json!({ "checker": {} }));
        assert_eq!(
            hand_written_hook_evidence("checker", &unreferenced, Some(&canary)).as_deref(),
            Some("custom.deploymentSettings.preTrafficHook names it")
        );
    }

    #[test]
    fn a_key_that_names_a_hook_is_evidence_and_any_other_key_is_not() {
        let functions = map(json!({ "smokeHook": {}, "website": {} }));
        assert_eq!(
            hand_written_hook_evidence("smokeHook", &functions, None).as_deref(),
            Some("its key names a hook")
        );
        assert_eq!(
            hand_written_hook_evidence("website", &functions, None),
            None
        );
    }
}
