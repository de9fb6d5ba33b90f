//! The AppSpec of a Lambda deployment: which functions move to which version.
//!
//! CodeDeploy hands the AppSpec back as text, JSON or YAML, as whoever created the deployment
//! wrote it (CloudFormation writes JSON, people write YAML with keys in any case). We read it
//! leniently, but a resource we cannot place exactly is an error: the hook fails closed.

use serde_json::{Map, Value};

/// The resource type of every resource in a Lambda AppSpec.
pub const LAMBDA_FUNCTION_TYPE: &str = "AWS::Lambda::Function";

/// What a Lambda AppSpec says: the functions being deployed and the hooks that gate them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSpec {
    pub resources: Vec<AppSpecResource>,
    pub hooks: Vec<AppSpecHook>,
}

/// One function of the deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSpecResource {
    /// The resource's key in the AppSpec (`WebsiteLambdaFunction`).
    pub logical_name: String,
    /// The deployed function name (`website-dev-website`).
    pub name: String,
    pub alias: Option<String>,
    pub current_version: Option<String>,
    /// The newly published version: the one the checks invoke.
    pub target_version: String,
}

/// The two lifecycle events of a Lambda deployment that call a hook function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LifecycleEvent {
    /// Before the alias moves: the pre-traffic hook (`checks`).
    BeforeAllowTraffic,
    /// Once all traffic has moved: the post-traffic hook (`afterTraffic`).
    AfterAllowTraffic,
}

impl LifecycleEvent {
    pub const ALL: [Self; 2] = [Self::BeforeAllowTraffic, Self::AfterAllowTraffic];

    /// The name CodeDeploy uses in the AppSpec and in a target's lifecycle events.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BeforeAllowTraffic => "BeforeAllowTraffic",
            Self::AfterAllowTraffic => "AfterAllowTraffic",
        }
    }

    /// Reads a name in any ASCII case, as AppSpec keys come.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|event| event.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

impl std::fmt::Display for LifecycleEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One lifecycle hook: `BeforeAllowTraffic` or `AfterAllowTraffic` and the function it calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSpecHook {
    pub event: String,
    pub function: String,
}

/// Why an AppSpec cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppSpecError {
    /// The deployment revision carried no AppSpec text.
    #[error("the AppSpec is empty")]
    Empty,
    /// The text parses as neither format.
    #[error("the AppSpec is neither JSON ({json}) nor YAML ({yaml})")]
    Unreadable { json: String, yaml: String },
    /// It parses, but is not a mapping at the top.
    #[error("the AppSpec is not a mapping with `Resources`")]
    NotAMapping,
    /// `Resources` is missing or empty: nothing would be checked.
    #[error("the AppSpec has no resources: nothing to check")]
    NoResources,
    /// A resource is not written as `{ LogicalName: { Type, Properties } }`.
    #[error("AppSpec resource {0}: expected `LogicalName: {{Type, Properties}}`")]
    MalformedResource(String),
    /// A resource of another type than a Lambda function.
    #[error(
        "AppSpec resource `{logical_name}` has type `{found}`, expected `AWS::Lambda::Function`"
    )]
    NotAFunction { logical_name: String, found: String },
    /// A resource without a function name.
    #[error("AppSpec resource `{0}` has no `Name`")]
    MissingName(String),
    /// A resource without the version to check.
    #[error("AppSpec resource `{0}` has no `TargetVersion`")]
    MissingTargetVersion(String),
    /// `$LATEST` is mutable: checking it proves nothing about what gets traffic.
    #[error(
        "AppSpec resource `{0}` targets `$LATEST`; a deployment must target a published version"
    )]
    LatestTarget(String),
}

impl AppSpec {
    /// Parses AppSpec text, JSON first (what CloudFormation writes), then YAML.
    pub fn parse(content: &str) -> Result<Self, AppSpecError> {
        let content = content.trim_start_matches('\u{feff}').trim();
        if content.is_empty() {
            return Err(AppSpecError::Empty);
        }
        let value = match serde_json::from_str::<Value>(content) {
            Ok(value) => value,
            Err(json) => {
                yaml_serde::from_str::<Value>(content).map_err(|yaml| AppSpecError::Unreadable {
                    json: json.to_string(),
                    yaml: yaml.to_string(),
                })?
            }
        };
        let Value::Object(root) = value else {
            return Err(AppSpecError::NotAMapping);
        };
        let resources = parse_resources(get(&root, "Resources"))?;
        let hooks = get(&root, "Hooks").map(parse_hooks).unwrap_or_default();
        Ok(Self { resources, hooks })
    }
}

/// Looks a key up ignoring ASCII case: `Resources`, `resources`, `RESOURCES`.
fn get<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// A version or name written as text or as a number (`TargetVersion: 2` in YAML).
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn parse_resources(value: Option<&Value>) -> Result<Vec<AppSpecResource>, AppSpecError> {
    // The documented form is a list of one-key mappings; a plain mapping is accepted too.
    let entries: Vec<(String, &Value)> = match value {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Object(map) if map.len() == 1 => {
                    let (name, body) = map.iter().next().expect("one entry");
                    Ok((name.clone(), body))
                }
                _ => Err(AppSpecError::MalformedResource(format!("#{}", i + 1))),
            })
            .collect::<Result<_, _>>()?,
        Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
        _ => Vec::new(),
    };
    if entries.is_empty() {
        return Err(AppSpecError::NoResources);
    }
    entries
        .into_iter()
        .map(|(logical_name, body)| parse_resource(logical_name, body))
        .collect()
}

fn parse_resource(logical_name: String, body: &Value) -> Result<AppSpecResource, AppSpecError> {
    let Value::Object(body) = body else {
        return Err(AppSpecError::MalformedResource(format!("`{logical_name}`")));
    };
    if let Some(kind) = get(body, "Type")
        .and_then(Value::as_str)
        .filter(|kind| *kind != LAMBDA_FUNCTION_TYPE)
    {
        return Err(AppSpecError::NotAFunction {
            logical_name,
            found: kind.to_owned(),
        });
    }
    let empty = Map::new();
    let props = match get(body, "Properties") {
        Some(Value::Object(props)) => props,
        _ => &empty,
    };
    let Some(name) = text(get(props, "Name")) else {
        return Err(AppSpecError::MissingName(logical_name));
    };
    let Some(target_version) = text(get(props, "TargetVersion")) else {
        return Err(AppSpecError::MissingTargetVersion(logical_name));
    };
    if target_version.eq_ignore_ascii_case("$LATEST") {
        return Err(AppSpecError::LatestTarget(logical_name));
    }
    Ok(AppSpecResource {
        logical_name,
        name,
        alias: text(get(props, "Alias")),
        current_version: text(get(props, "CurrentVersion")),
        target_version,
    })
}

fn parse_hooks(value: &Value) -> Vec<AppSpecHook> {
    let hook = |event: &String, function: &Value| {
        text(Some(function)).map(|function| AppSpecHook {
            event: event.clone(),
            function,
        })
    };
    match value {
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_object)
            .flat_map(|map| map.iter().filter_map(|(k, v)| hook(k, v)))
            .collect(),
        Value::Object(map) => map.iter().filter_map(|(k, v)| hook(k, v)).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = format!(
            "{}/tests/fixtures/appspec/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn reads_the_appspec_cloudformation_writes_for_a_canary_deployment() {
        let spec = AppSpec::parse(&fixture("lambda-canary.json")).unwrap();
        assert_eq!(
            spec.resources,
            vec![AppSpecResource {
                logical_name: "WebsiteLambdaFunction".into(),
                name: "website-dev-website".into(),
                alias: Some("Live".into()),
                current_version: Some("3".into()),
                target_version: "4".into(),
            }]
        );
        assert_eq!(
            spec.hooks,
            vec![AppSpecHook {
                event: "BeforeAllowTraffic".into(),
                function: "website-dev-prehook".into()
            }]
        );
    }

    #[test]
    fn json_and_yaml_forms_of_the_documented_example_agree() {
        let json = AppSpec::parse(&fixture("lambda-docs.json")).unwrap();
        let yaml = AppSpec::parse(&fixture("lambda-docs.yaml")).unwrap();
        assert_eq!(json, yaml);
        assert_eq!(json.resources[0].name, "myLambdaFunction");
        assert_eq!(
            json.resources[0].alias.as_deref(),
            Some("myLambdaFunctionAlias")
        );
        assert_eq!(json.resources[0].target_version, "2");
        let events: Vec<_> = json.hooks.iter().map(|h| h.event.as_str()).collect();
        assert_eq!(events, ["BeforeAllowTraffic", "AfterAllowTraffic"]);
    }

    #[test]
    fn unreadable_yaml_says_where() {
        let err = AppSpec::parse("Resources:\n  - Fn: [unclosed\n").unwrap_err();
        let AppSpecError::Unreadable { yaml, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(yaml.contains("line 3 column 1"), "{yaml}");
    }

    #[test]
    fn every_resource_is_taken_with_keys_in_any_case_and_numeric_versions() {
        let spec = AppSpec::parse(&fixture("lambda-two-functions.yaml")).unwrap();
        let found: Vec<_> = spec
            .resources
            .iter()
            .map(|r| {
                (
                    r.name.as_str(),
                    r.current_version.as_deref(),
                    r.target_version.as_str(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("website-dev-website", Some("3"), "4"),
                ("website-dev-worker", None, "1")
            ]
        );
        assert_eq!(spec.hooks[0].function, "website-dev-prehook");
    }

    #[test]
    fn hook_events_are_read_in_any_case() {
        let spec = AppSpec::parse(&fixture("lambda-docs.yaml")).unwrap();
        let events: Vec<_> = spec
            .hooks
            .iter()
            .map(|h| LifecycleEvent::from_name(&h.event))
            .collect();
        assert_eq!(
            events,
            [
                Some(LifecycleEvent::BeforeAllowTraffic),
                Some(LifecycleEvent::AfterAllowTraffic)
            ]
        );
        assert_eq!(
            LifecycleEvent::from_name("afterallowtraffic"),
            Some(LifecycleEvent::AfterAllowTraffic)
        );
        assert_eq!(LifecycleEvent::from_name("AllowTraffic"), None);
        assert_eq!(
            LifecycleEvent::BeforeAllowTraffic.to_string(),
            "BeforeAllowTraffic"
        );
    }

    #[test]
    fn resources_as_a_plain_mapping_are_accepted() {
        let spec = AppSpec::parse(
            r#"{"Resources": {"Fn": {"Properties": {"Name": "f", "TargetVersion": 7}}}}"#,
        )
        .unwrap();
        assert_eq!(
            (
                spec.resources[0].name.as_str(),
                spec.resources[0].target_version.as_str()
            ),
            ("f", "7")
        );
        assert!(spec.hooks.is_empty());
    }

    #[test]
    fn unusable_appspecs_are_clear_errors() {
        let err = |text: &str| AppSpec::parse(text).unwrap_err().to_string();
        assert_eq!(err("  \n"), "the AppSpec is empty");
        assert!(
            err("{not: [valid").starts_with("the AppSpec is neither JSON ("),
            "{}",
            err("{not: [valid")
        );
        assert_eq!(
            err("just text"),
            "the AppSpec is not a mapping with `Resources`"
        );
        assert_eq!(
            err("version: 0.0"),
            "the AppSpec has no resources: nothing to check"
        );
        assert_eq!(
            err(r#"{"Resources": []}"#),
            "the AppSpec has no resources: nothing to check"
        );
        assert_eq!(
            err(
                r#"{"Resources": [{"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Name": "f", "CurrentVersion": "1"}}}]}"#
            ),
            "AppSpec resource `Fn` has no `TargetVersion`"
        );
        assert_eq!(
            err(r#"{"Resources": [{"Fn": {"Properties": {"TargetVersion": "2"}}}]}"#),
            "AppSpec resource `Fn` has no `Name`"
        );
        assert_eq!(
            err(
                r#"{"Resources": [{"Fn": {"Properties": {"Name": "f", "TargetVersion": "$LATEST"}}}]}"#
            ),
            "AppSpec resource `Fn` targets `$LATEST`; a deployment must target a published version"
        );
        assert_eq!(
            err(r#"{"Resources": [{"Svc": {"Type": "AWS::ECS::Service", "Properties": {}}}]}"#),
            "AppSpec resource `Svc` has type `AWS::ECS::Service`, expected `AWS::Lambda::Function`"
        );
        assert_eq!(
            err(r#"{"Resources": ["Fn"]}"#),
            "AppSpec resource #1: expected `LogicalName: {Type, Properties}`"
        );
    }
}
