//! Which functions and which version a `prehook check` run checks.

use prehook_core::{FunctionChecks, HookConfig, LifecycleEvent};

use crate::error::Error;

/// The functions with checks for `event` that `wanted` names, by serverless.yml key or
/// deployed name, in config order; every such function when `wanted` is empty. Each comes with
/// its deployed name (the config's key).
pub fn select_functions<'a>(
    config: &'a HookConfig,
    wanted: &[String],
    event: LifecycleEvent,
) -> Result<Vec<(&'a str, &'a FunctionChecks)>, Error> {
    let checked = || {
        config
            .functions
            .iter()
            .map(|(deployed, f)| (deployed.as_str(), f))
            .filter(move |(_, f)| !f.checks_for(event).is_empty())
    };
    if wanted.is_empty() {
        return Ok(checked().collect());
    }
    let unknown: Vec<&str> = wanted
        .iter()
        .map(String::as_str)
        .filter(|name| !checked().any(|(deployed, f)| deployed == *name || f.key == *name))
        .collect();
    if !unknown.is_empty() {
        return Err(Error::NotChecked {
            event,
            unknown: unknown.into_iter().map(str::to_owned).collect(),
            checked: checked()
                .map(|(deployed, f)| (f.key.clone(), deployed.to_owned()))
                .collect(),
        });
    }
    Ok(checked()
        .filter(|(deployed, f)| wanted.iter().any(|n| n == deployed || *n == f.key))
        .collect())
}

/// The latest published version among `versions` (ListVersionsByFunction's `Version`
/// values): the highest number; `$LATEST` is not a published version.
pub fn latest_published_version<'a>(versions: impl IntoIterator<Item = &'a str>) -> Option<String> {
    versions
        .into_iter()
        .filter_map(|v| v.parse::<u64>().ok())
        .max()
        .map(|v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config() -> HookConfig {
        HookConfig::from_value(&json!({"functions": {
            "site-dev-api": {"key": "api", "event": "apigateway", "checks": ["GET /"]},
            "site-dev-web": {"key": "web", "event": "apigateway", "checks": ["GET /"]},
            "site-dev-cron": {"key": "cron", "event": "raw", "afterTraffic": [{"payload": {}}]},
        }}))
        .unwrap()
    }

    const BEFORE: LifecycleEvent = LifecycleEvent::BeforeAllowTraffic;
    const AFTER: LifecycleEvent = LifecycleEvent::AfterAllowTraffic;

    fn keys(selected: &[(&str, &FunctionChecks)]) -> Vec<String> {
        selected.iter().map(|(_, f)| f.key.clone()).collect()
    }

    #[test]
    fn every_checked_function_by_default() {
        let config = config();
        assert_eq!(
            keys(&select_functions(&config, &[], BEFORE).unwrap()),
            ["api", "web"]
        );
    }

    #[test]
    fn names_are_keys_or_deployed_names() {
        let config = config();
        let wanted = ["site-dev-web".to_owned()];
        assert_eq!(
            keys(&select_functions(&config, &wanted, BEFORE).unwrap()),
            ["web"]
        );
        let wanted = ["api".to_owned()];
        assert_eq!(
            keys(&select_functions(&config, &wanted, BEFORE).unwrap()),
            ["api"]
        );
    }

    #[test]
    fn an_unknown_name_lists_what_is_checked() {
        let config = config();
        let wanted = ["web".to_owned(), "worker".to_owned(), "cron".to_owned()];
        assert_eq!(
            select_functions(&config, &wanted, BEFORE)
                .unwrap_err()
                .to_string(),
            "no checks configured for `worker`, `cron`: the functions with checks are api (site-dev-api), web (site-dev-web)"
        );
    }

    #[test]
    fn after_traffic_selects_the_functions_with_after_traffic_checks() {
        let config = config();
        assert_eq!(
            keys(&select_functions(&config, &[], AFTER).unwrap()),
            ["cron"]
        );
        let wanted = ["web".to_owned()];
        assert_eq!(
            select_functions(&config, &wanted, AFTER)
                .unwrap_err()
                .to_string(),
            "no afterTraffic checks configured for `web`: the functions with afterTraffic checks are cron (site-dev-cron)"
        );
    }

    #[test]
    fn the_latest_version_is_the_highest_number() {
        // Numeric, not text order: "10" > "9".
        let listed = ["$LATEST", "1", "9", "10", "2"];
        assert_eq!(latest_published_version(listed), Some("10".to_owned()));
        assert_eq!(latest_published_version(["$LATEST"]), None);
    }
}
