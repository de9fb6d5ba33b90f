use std::fs;
use std::path::PathBuf;

use prehook_core::hook_config::LIFECYCLE_EVENT_VAR;
use prehook_core::{EventKind, HookConfig};
use yaml_serde::Value;

fn example(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/sam")
        .join(file)
}

/// `!Ref Name` in the template, whatever the YAML library makes of the tag.
fn ref_target(value: &Value) -> Option<&str> {
    match value {
        Value::Tagged(tagged) if tagged.tag == "Ref" => tagged.value.as_str(),
        Value::Mapping(map) => map.get("Ref").and_then(Value::as_str),
        _ => None,
    }
}

#[test]
fn the_committed_prehook_json_checks_every_function_the_template_hooks() {
    let config = HookConfig::from_json(&fs::read_to_string(example("hook/prehook.json")).unwrap())
        .unwrap_or_else(|e| panic!("examples/sam/hook/prehook.json: {e}"));
    let template: Value =
        yaml_serde::from_str(&fs::read_to_string(example("template.yaml")).unwrap()).unwrap();
    let resources = template["Resources"].as_mapping().unwrap();

    let mut checked = 0;
    for (id, resource) in resources {
        let properties = &resource["Properties"];
        let Some(hook_id) = ref_target(&properties["DeploymentPreference"]["Hooks"]["PreTraffic"])
        else {
            continue;
        };
        checked += 1;
        let id = id.as_str().unwrap();
        // The AppSpec names the function by its deployed name: the config must be keyed by it.
        let name = properties["FunctionName"].as_str().unwrap();
        let checks = config
            .functions
            .get(name)
            .unwrap_or_else(|| panic!("{id}: prehook.json has no checks for {name:?}"));
        assert!(!checks.checks.is_empty(), "{id}: no checks");
        let api_events = properties["Events"]
            .as_mapping()
            .into_iter()
            .flatten()
            .any(|(_, event)| event["Type"].as_str() == Some("Api"));
        assert_eq!(
            api_events,
            checks.event == EventKind::ApiGateway,
            "{id}: event kind"
        );

        // A PostTraffic hook of its own for the afterTraffic checks, and only with them.
        let post_id = ref_target(&properties["DeploymentPreference"]["Hooks"]["PostTraffic"]);
        assert_eq!(
            post_id.is_some(),
            !checks.after_traffic.is_empty(),
            "{id}: a PostTraffic hook exactly when prehook.json has afterTraffic checks"
        );
        assert_ne!(
            post_id,
            Some(hook_id),
            "{id}: one function per lifecycle event"
        );
        for (hook_id, event) in [
            (Some(hook_id), "BeforeAllowTraffic"),
            (post_id, "AfterAllowTraffic"),
        ] {
            let Some(hook_id) = hook_id else { continue };
            let hook = &resources[hook_id]["Properties"];
            assert!(
                hook["FunctionName"]
                    .as_str()
                    .unwrap()
                    .starts_with("CodeDeployHook_"),
                "SAM's CodeDeploy role invokes only CodeDeployHook_* functions"
            );
            assert_eq!(hook["Handler"].as_str(), Some("bootstrap"));
            assert_eq!(
                hook["CodeUri"].as_str(),
                Some("hook/"),
                "prehook.json sits in hook/"
            );
            assert_eq!(
                hook["Environment"]["Variables"][LIFECYCLE_EVENT_VAR].as_str(),
                Some(event),
                "{hook_id} knows which lifecycle event it serves"
            );
        }
    }
    assert_eq!(checked, config.functions.len());
}
