//! Which checks a run makes, in which order: every check of every target, target by target.

use std::time::Duration;

use prehook_core::{Check, EventKind, HookConfig, LifecycleEvent, Request};

use crate::error::Error;

/// A function version to check: from the AppSpec in the hook, from the command line in
/// `prehook check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The deployed name (the config's key).
    pub function: String,
    /// A version number, an alias, or `$LATEST` (serverless-offline).
    pub qualifier: String,
}

/// One check of one function version.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedCheck {
    pub function: String,
    /// The serverless.yml key (`website`).
    pub key: String,
    pub qualifier: String,
    pub event: EventKind,
    /// Attempts after the first failed one.
    pub retries: u32,
    /// How long one attempt may take.
    pub timeout: Duration,
    pub check: Check,
}

impl PlannedCheck {
    /// `website-dev-website:4 GET /healthcheck`
    pub fn label(&self) -> String {
        format!("{}:{} {}", self.function, self.qualifier, self.check.name)
    }

    /// What the check sends: `GET /healthcheck`, or `payload` for a raw invoke.
    pub fn sent(&self) -> String {
        match &self.check.request {
            Request::Http(http) => format!("{} {}", http.method, http.path),
            Request::Raw(_) => "payload".to_owned(),
        }
    }
}

/// The checks `event` runs on `targets`, in target order and then config order.
///
/// Fails closed, naming every target without checks for `event`: a version that nothing
/// checks must not pass as if it had been checked.
pub fn plan_checks(
    config: &HookConfig,
    targets: &[Target],
    event: LifecycleEvent,
) -> Result<Vec<PlannedCheck>, Error> {
    let mut plan = Vec::new();
    let mut unchecked = Vec::new();
    for target in targets {
        let checks = config
            .functions
            .get(&target.function)
            .map(|f| (f, f.checks_for(event)))
            .filter(|(_, checks)| !checks.is_empty());
        let Some((function, checks)) = checks else {
            unchecked.push(target.function.clone());
            continue;
        };
        plan.extend(checks.iter().map(|check| PlannedCheck {
            function: target.function.clone(),
            key: function.key.clone(),
            qualifier: target.qualifier.clone(),
            event: function.event,
            retries: function.retries,
            timeout: Duration::from_secs(function.timeout),
            check: check.clone(),
        }));
    }
    if unchecked.is_empty() {
        Ok(plan)
    } else {
        Err(Error::Unchecked {
            event,
            functions: unchecked,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config() -> HookConfig {
        HookConfig::from_value(&json!({"functions": {
            "svc-web": {"key": "web", "event": "apigateway", "retries": 1, "timeout": 3,
                        "checks": ["GET /a", "GET /b"], "afterTraffic": ["GET /after"]},
            "svc-cron": {"key": "cron", "event": "raw", "checks": [{"payload": {}}]},
        }}))
        .unwrap()
    }

    fn target(function: &str, qualifier: &str) -> Target {
        Target {
            function: function.into(),
            qualifier: qualifier.into(),
        }
    }

    #[test]
    fn targets_in_their_order_then_checks_in_config_order() {
        let targets = [target("svc-cron", "2"), target("svc-web", "7")];
        let plan = plan_checks(&config(), &targets, LifecycleEvent::BeforeAllowTraffic).unwrap();
        let labels: Vec<String> = plan.iter().map(PlannedCheck::label).collect();
        assert_eq!(
            labels,
            ["svc-cron:2 invoke", "svc-web:7 GET /a", "svc-web:7 GET /b"]
        );
        assert_eq!(
            (plan[1].key.as_str(), plan[1].retries, plan[1].timeout),
            ("web", 1, Duration::from_secs(3))
        );
        assert_eq!(
            (plan[0].sent(), plan[1].sent()),
            ("payload".into(), "GET /a".into())
        );
    }

    #[test]
    fn after_traffic_plans_the_after_traffic_list() {
        let plan = plan_checks(
            &config(),
            &[target("svc-web", "7")],
            LifecycleEvent::AfterAllowTraffic,
        )
        .unwrap();
        assert_eq!(plan.len(), 1);
        assert_eq!(plan[0].check.name, "GET /after");
    }

    #[test]
    fn every_target_without_checks_is_named() {
        let targets = [
            target("svc-admin", "1"),
            target("svc-web", "7"),
            target("svc-cron", "2"),
        ];
        assert_eq!(
            plan_checks(&config(), &targets, LifecycleEvent::AfterAllowTraffic)
                .unwrap_err()
                .to_string(),
            "no afterTraffic checks configured for function svc-admin (this is its AfterAllowTraffic hook); \
             no afterTraffic checks configured for function svc-cron (this is its AfterAllowTraffic hook)"
        );
        assert_eq!(
            plan_checks(&config(), &targets[..1], LifecycleEvent::BeforeAllowTraffic)
                .unwrap_err()
                .to_string(),
            "no checks configured for function svc-admin"
        );
    }
}
