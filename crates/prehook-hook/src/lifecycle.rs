//! Which lifecycle event an invocation serves: `BeforeAllowTraffic` runs a function's `checks`,
//! `AfterAllowTraffic` its `afterTraffic` checks.
//!
//! CodeDeploy's event carries only the deployment id and an opaque execution id; nothing in it
//! says which hook is being called. So the answer is not looked for there, nor anywhere in
//! CodeDeploy: each hook function serves one event, set in its own configuration
//! (`PREHOOK_LIFECYCLE_EVENT`, which the plugin sets on both of its hook functions;
//! `BeforeAllowTraffic` when unset, what the hook has always been). The deployment's AppSpec,
//! already read for its resources, must then name this function (by name or ARN) as the hook of
//! that event, and of that event only: anything else is a wiring error, and fails closed with the
//! reason rather than run a list of checks at a moment it was not written for.

use std::collections::BTreeSet;

use prehook_core::{AppSpec, LifecycleEvent};
use serde_json::json;

use crate::error::Error;
use crate::log;

use prehook_core::hook_config::LIFECYCLE_EVENT_VAR;

/// The event this function serves, and where that was set (for the log and for error messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Serves {
    pub event: LifecycleEvent,
    /// `PREHOOK_LIFECYCLE_EVENT=AfterAllowTraffic`, or that it is the default.
    pub setting: String,
}

/// Reads the value of [`LIFECYCLE_EVENT_VAR`] (`None` or empty: unset).
pub fn serves(value: Option<&str>) -> Result<Serves, Error> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(Serves {
            event: LifecycleEvent::BeforeAllowTraffic,
            setting: format!("{LIFECYCLE_EVENT_VAR} unset: BeforeAllowTraffic"),
        }),
        Some(value) => match LifecycleEvent::from_name(value) {
            Some(event) => Ok(Serves {
                event,
                setting: format!("{LIFECYCLE_EVENT_VAR}={event}"),
            }),
            None => Err(Error::LifecycleEventSetting(value.to_owned())),
        },
    }
}

/// Checks that the AppSpec of deployment `deployment_id` names this function (`own_name`) as the
/// hook of the event it serves, and of no other; logs the event it runs.
pub fn check_wiring(
    deployment_id: &str,
    appspec: &AppSpec,
    serves: &Serves,
    own_name: Option<&str>,
) -> Result<LifecycleEvent, Error> {
    let wiring = |reason: String| Error::Wiring {
        deployment_id: deployment_id.to_owned(),
        reason,
    };
    let Some(own) = own_name else {
        return Err(wiring(
            "this function does not know its own name (AWS_LAMBDA_FUNCTION_NAME is not set), so it cannot find itself in the AppSpec's Hooks".into(),
        ));
    };
    let event = serves.event;
    let named: BTreeSet<LifecycleEvent> = appspec
        .hooks
        .iter()
        .filter(|h| names_function(&h.function, own))
        .filter_map(|h| LifecycleEvent::from_name(&h.event))
        .collect();
    if named.len() > 1 {
        return Err(wiring(format!(
            "the AppSpec names {own} as both the BeforeAllowTraffic and the AfterAllowTraffic hook, and one hook function serves one event ({}): make a second function of the same code the AfterAllowTraffic hook, with {LIFECYCLE_EVENT_VAR}=AfterAllowTraffic",
            serves.setting
        )));
    }
    if !named.contains(&event) {
        let other = match named.first() {
            Some(other) => format!(
                "; it names {own} as the {other} hook instead: set {LIFECYCLE_EVENT_VAR}={other} on it"
            ),
            None => String::new(),
        };
        return Err(wiring(format!(
            "{own} serves {event} ({}), but the AppSpec does not name it as the {event} hook ({}){other}",
            serves.setting,
            describe_hooks(appspec)
        )));
    }
    log::message(
        "INFO",
        "lifecycle event",
        json!({"deploymentId": deployment_id, "event": event.as_str(),
            "how": format!("{}, and the AppSpec names {own} as the {event} hook", serves.setting)}),
    );
    Ok(event)
}

/// `its hooks: BeforeAllowTraffic website-dev-preHook`, or that it has none.
fn describe_hooks(appspec: &AppSpec) -> String {
    if appspec.hooks.is_empty() {
        return "it names no hooks".into();
    }
    let hooks: Vec<String> = appspec
        .hooks
        .iter()
        .map(|h| format!("{} {}", h.event, h.function))
        .collect();
    format!("its hooks: {}", hooks.join(", "))
}

/// Whether an AppSpec hook value names the function `own`: its name, its full or partial ARN,
/// with or without a version or alias (SAM users may write any of them).
pub fn names_function(value: &str, own: &str) -> bool {
    let value = value.trim();
    if value == own {
        return true;
    }
    let parts: Vec<&str> = value.split(':').collect();
    // `arn:aws:lambda:region:account:function:NAME[:QUALIFIER]`, `account:function:NAME`,
    // or `NAME:QUALIFIER`: function names never contain `:`.
    let name = match parts.iter().position(|p| *p == "function") {
        Some(i) => parts.get(i + 1).copied(),
        None => parts.first().copied(),
    };
    name == Some(own)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hook_is_recognised_by_name_or_arn() {
        let own = "shop-dev-preHook";
        for value in [
            "shop-dev-preHook",
            " shop-dev-preHook ",
            "arn:aws:lambda:us-east-1:123456789012:function:shop-dev-preHook",
            "arn:aws-cn:lambda:cn-north-1:123456789012:function:shop-dev-preHook:live",
            "arn:aws:lambda:us-east-1:123456789012:function:shop-dev-preHook:7",
            "123456789012:function:shop-dev-preHook",
            "shop-dev-preHook:live",
        ] {
            assert!(names_function(value, own), "{value}");
        }
        for value in [
            "shop-dev-preHook2",
            "shop-dev-pre",
            "arn:aws:lambda:us-east-1:123456789012:function:other",
            "arn:aws:lambda:us-east-1:123456789012:function:shop-dev-preHook2:1",
            "",
        ] {
            assert!(!names_function(value, own), "{value}");
        }
    }

    #[test]
    fn the_event_served_comes_from_the_setting_or_is_the_pre_traffic_one() {
        assert_eq!(
            serves(None).unwrap().event,
            LifecycleEvent::BeforeAllowTraffic
        );
        assert_eq!(
            serves(Some(" ")).unwrap().event,
            LifecycleEvent::BeforeAllowTraffic
        );
        let after = serves(Some("AfterAllowTraffic")).unwrap();
        assert_eq!(after.event, LifecycleEvent::AfterAllowTraffic);
        assert_eq!(after.setting, "PREHOOK_LIFECYCLE_EVENT=AfterAllowTraffic");
        assert_eq!(
            serves(Some("AllowTraffic")).unwrap_err().to_string(),
            "PREHOOK_LIFECYCLE_EVENT: expected BeforeAllowTraffic or AfterAllowTraffic, got \"AllowTraffic\""
        );
    }

    #[test]
    fn the_appspec_must_name_the_function_for_its_event_only() {
        // The `lifecycle event` lines go to the harness's capture: shown only on a failure.
        crate::log::send_to(|line| println!("{line}"));
        let spec = |hooks: &str| {
            AppSpec::parse(&format!(
                r#"{{"Resources": [{{"F": {{"Type": "AWS::Lambda::Function", "Properties": {{"Name": "f", "TargetVersion": "2"}}}}}}], "Hooks": {hooks}}}"#
            ))
            .unwrap()
        };
        let before = serves(None).unwrap();
        let after = serves(Some("AfterAllowTraffic")).unwrap();
        let both = spec(r#"[{"BeforeAllowTraffic": "pre"}, {"AfterAllowTraffic": "post"}]"#);
        assert_eq!(
            check_wiring("d-1", &both, &before, Some("pre")).unwrap(),
            LifecycleEvent::BeforeAllowTraffic
        );
        assert_eq!(
            check_wiring("d-1", &both, &after, Some("post")).unwrap(),
            LifecycleEvent::AfterAllowTraffic
        );
        let err = |spec: &AppSpec, serves: &Serves, own: Option<&str>| {
            check_wiring("d-1", spec, serves, own)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(&both, &after, Some("pre")),
            "wiring error in deployment d-1: pre serves AfterAllowTraffic (PREHOOK_LIFECYCLE_EVENT=AfterAllowTraffic), but the AppSpec does not name it as the AfterAllowTraffic hook (its hooks: BeforeAllowTraffic pre, AfterAllowTraffic post); it names pre as the BeforeAllowTraffic hook instead: set PREHOOK_LIFECYCLE_EVENT=BeforeAllowTraffic on it"
        );
        assert_eq!(
            err(&spec("[]"), &before, Some("pre")),
            "wiring error in deployment d-1: pre serves BeforeAllowTraffic (PREHOOK_LIFECYCLE_EVENT unset: BeforeAllowTraffic), but the AppSpec does not name it as the BeforeAllowTraffic hook (it names no hooks)"
        );
        let one_for_both =
            spec(r#"[{"BeforeAllowTraffic": "hook"}, {"AfterAllowTraffic": "hook"}]"#);
        assert!(err(&one_for_both, &before, Some("hook")).starts_with(
            "wiring error in deployment d-1: the AppSpec names hook as both the BeforeAllowTraffic and the AfterAllowTraffic hook"
        ));
        assert!(err(&both, &before, None).contains("AWS_LAMBDA_FUNCTION_NAME is not set"));
    }
}
