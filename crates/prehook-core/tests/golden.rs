use std::fs;

use prehook_core::{HookConfig, Plan, PluginFacts, transform};
use serde_json::{Value, json};

/// Facts as the plugin would pass them; the version is fixed so snapshots survive releases.
fn facts() -> PluginFacts {
    serde_json::from_value(json!({ "version": "1.2.3" })).unwrap()
}

fn run(service: &Value) -> Value {
    match transform(service, &facts()) {
        Ok(Plan::Apply(changes)) => {
            // prehook.json is the hook config itself, and the hook parses it back unchanged.
            let parsed = HookConfig::from_json(&changes.prehook_json).expect("prehook.json parses");
            assert_eq!(parsed, changes.hook_config);
            let mut value = serde_json::to_value(Plan::Apply(changes)).unwrap();
            value.as_object_mut().unwrap().remove("prehookJson");
            value
        }
        Ok(skip) => serde_json::to_value(skip).unwrap(),
        Err(errors) => json!({
            "errors": errors.0.iter().map(ToString::to_string).collect::<Vec<_>>()
        }),
    }
}

#[test]
fn transform_fixtures() {
    insta::glob!("fixtures/*/serverless.yml", |path| {
        let text = fs::read_to_string(path).unwrap();
        let service: Value = yaml_serde::from_str(&text).unwrap();
        insta::assert_yaml_snapshot!(run(&service));
    });
}

#[test]
fn error_cases_report_errors_and_other_cases_do_not() {
    insta::glob!("fixtures/*/serverless.yml", |path| {
        let case = path
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap();
        let service: Value = yaml_serde::from_str(&fs::read_to_string(path).unwrap()).unwrap();
        let failed = transform(&service, &facts()).is_err();
        assert_eq!(failed, case.starts_with("error-"), "{case}");
    });
}

#[test]
fn the_stage_and_stack_name_the_plugin_passes_win() {
    let service = json!({
        "service": "shop",
        "provider": { "name": "aws", "stage": "dev" },
        "functions": { "web": { "handler": "h", "prehook": true, "events": [{ "http": "GET /" }] } }
    });
    let facts: PluginFacts = serde_json::from_value(
        json!({ "version": "1.2.3", "stage": "prod", "stackName": "shop-stack", "artifactDir": "/tmp/out/" }),
    )
    .unwrap();
    let Ok(Plan::Apply(changes)) = transform(&service, &facts) else {
        panic!("expected changes")
    };
    assert!(changes.hook_config.functions.contains_key("shop-prod-web"));
    assert_eq!(changes.hook_function["name"], "shop-prod-preHook");
    assert!(
        changes
            .artifact
            .path
            .starts_with("/tmp/out/prehook-1.2.3-x86_64-")
    );
    let groups = changes.iam.resources["PreHookIamRole"].to_string();
    assert!(
        groups.contains(
            "${ShopstackDeploymentApplication}/shop-stack-WebLambdaFunctionDeploymentGroup"
        ),
        "{groups}"
    );
}

#[test]
fn the_artifact_name_changes_with_the_config() {
    let service = |path: &str| {
        json!({
            "service": "shop",
            "functions": { "web": { "handler": "web.handler", "prehook": { "checks": [path] }, "events": [{ "httpApi": "*" }] } }
        })
    };
    let name = |value: &Value| match transform(value, &facts()) {
        Ok(Plan::Apply(changes)) => changes.artifact.file_name,
        other => panic!("{other:?}"),
    };
    assert_eq!(name(&service("GET /a")), name(&service("GET /a")));
    assert_ne!(name(&service("GET /a")), name(&service("GET /b")));
}

#[test]
fn the_documented_example_of_every_key_is_valid() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../serverless.yml.example");
    let service: Value = yaml_serde::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    match transform(&service, &facts()) {
        Ok(Plan::Apply(changes)) => {
            assert_eq!(changes.summary.len(), 4, "{:?}", changes.summary);
            // `firstDeploy: true`: every checked function's new alias waits for its checks.
            assert_eq!(changes.first_deploy.len(), 4, "{:?}", changes.first_deploy);
            // What its comments say `prehook: true` and `integration: lambda` do.
            let checks = |key: &str| {
                let functions = &changes.hook_config.functions;
                functions.values().find(|f| f.key == key).unwrap().clone()
            };
            let reports = checks("reports");
            assert!(
                reports.checks[0]
                    .name
                    .starts_with("GET /reports (default: route GET /reports of events[0].http;"),
                "{}",
                reports.checks[0].name
            );
            let legacy = checks("legacyUser");
            assert_eq!(legacy.event, prehook_core::EventKind::ApiGatewayLambda);
            let prehook_core::Request::Http(request) = &legacy.checks[0].request else {
                panic!("{legacy:?}")
            };
            assert_eq!(request.route.as_deref(), Some("/users/{id}"));
            // Its afterTraffic brings the post-traffic hook function, under the key it shows.
            let post = changes
                .post_traffic_hook
                .as_ref()
                .expect("a post-traffic hook");
            assert_eq!(post.function_key, "preHookPost");
        }
        other => panic!("serverless.yml.example: {other:?}"),
    }
}

#[test]
fn a_skip_from_the_plugin_reaches_prehook_json_and_the_warnings_and_nothing_else() {
    let service = json!({
        "service": "shop",
        "provider": { "name": "aws" },
        "functions": { "web": { "handler": "h.handler", "prehook": true, "events": [{ "http": "GET /" }] } }
    });
    let with = |skip: Value| {
        let mut facts = json!({ "version": "1.2.3" });
        if !skip.is_null() {
            facts["skip"] = skip;
        }
        let facts: PluginFacts = serde_json::from_value(facts).unwrap();
        match transform(&service, &facts) {
            Ok(Plan::Apply(changes)) => *changes,
            other => panic!("{other:?}"),
        }
    };
    let skip = json!({ "reason": "hotfix #123, approved by X", "setting": "PREHOOK_SKIP" });
    let skipped = with(skip.clone());
    let normal = with(Value::Null);

    let written: Value = serde_json::from_str(&skipped.prehook_json).unwrap();
    assert_eq!(written["skip"], skip);
    assert_eq!(
        HookConfig::from_json(&skipped.prehook_json).unwrap(),
        skipped.hook_config
    );
    assert!(!normal.prehook_json.contains("skip"));
    assert!(normal.warnings.is_empty());
    assert_eq!(skipped.warnings.len(), 1);
    assert!(
        skipped.warnings[0].starts_with("PREHOOK_SKIP is set: the hook will report Succeeded")
            && skipped.warnings[0].contains("\"hotfix #123, approved by X\""),
        "{:?}",
        skipped.warnings
    );
    // The same skip gives the same artifact; only the config (and so the file name) differs.
    let again = with(skip);
    assert_eq!(again.artifact, skipped.artifact);
    assert_ne!(normal.artifact.file_name, skipped.artifact.file_name);
    assert_eq!(normal.deployment_settings, skipped.deployment_settings);
    assert_eq!(normal.iam, skipped.iam);
    assert_eq!(normal.hook_config.functions, skipped.hook_config.functions);
}

#[test]
fn a_skip_without_a_reason_is_refused() {
    let service = json!({ "service": "shop", "functions": { "web": { "handler": "h.handler", "prehook": true } } });
    let facts: PluginFacts = serde_json::from_value(
        json!({ "version": "1.2.3", "skip": { "reason": " ", "setting": "PREHOOK_SKIP" } }),
    )
    .unwrap();
    let errors = transform(&service, &facts).unwrap_err().to_string();
    assert!(
        errors.starts_with("PREHOOK_SKIP: expected the reason for skipping the checks"),
        "{errors}"
    );
}
