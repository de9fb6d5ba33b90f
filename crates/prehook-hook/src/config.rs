//! Where the hook finds its checks config: inline `PREHOOK_CONFIG`, else the
//! file `PREHOOK_CONFIG_FILE`, else `prehook.json` in `$LAMBDA_TASK_ROOT`, else in the working
//! directory. The plugin ships it as `prehook.json` next to `bootstrap`, because Lambda's
//! environment is limited to 4 KB.

use std::path::PathBuf;

use prehook_core::HookConfig;
use prehook_core::hook_config::CONFIG_FILE_NAME;

use crate::error::Error;

/// Loads and validates the config from the process environment.
pub fn load_config() -> Result<HookConfig, Error> {
    load_config_from(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
}

/// Loads the config with `env` standing for the environment.
pub fn load_config_from(env: impl Fn(&str) -> Option<String>) -> Result<HookConfig, Error> {
    if let Some(inline) = env("PREHOOK_CONFIG") {
        return HookConfig::from_json(&inline).map_err(Error::InlineConfig);
    }
    let candidates: Vec<PathBuf> = match env("PREHOOK_CONFIG_FILE") {
        Some(file) => vec![PathBuf::from(file)],
        None => env("LAMBDA_TASK_ROOT")
            .map(|root| PathBuf::from(root).join(CONFIG_FILE_NAME))
            .into_iter()
            .chain([PathBuf::from(CONFIG_FILE_NAME)])
            .collect(),
    };
    let Some(path) = candidates.iter().find(|p| p.is_file()) else {
        return Err(Error::ConfigMissing { tried: candidates });
    };
    let text = std::fs::read_to_string(path).map_err(|source| Error::ConfigUnreadable {
        path: path.clone(),
        source,
    })?;
    HookConfig::from_json(&text).map_err(|errors| Error::ConfigInvalid {
        path: path.clone(),
        errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const CONFIG: &str = r#"{"functions": {"svc-dev-api": {"key": "api", "event": "httpapi", "checks": ["GET /"]}}}"#;

    fn load(vars: &[(&str, &str)]) -> Result<HookConfig, Error> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        load_config_from(|name| vars.get(name).cloned())
    }

    #[test]
    fn inline_config_comes_first() {
        let config = load(&[
            ("PREHOOK_CONFIG", CONFIG),
            ("PREHOOK_CONFIG_FILE", "/nonexistent"),
        ])
        .unwrap();
        assert!(config.functions.contains_key("svc-dev-api"));
    }

    #[test]
    fn file_then_task_root() {
        let dir = std::env::temp_dir().join(format!("prehook-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(CONFIG_FILE_NAME), CONFIG).unwrap();
        let root = dir.to_str().unwrap();
        assert!(load(&[("LAMBDA_TASK_ROOT", root)]).is_ok());
        let file = dir.join(CONFIG_FILE_NAME);
        assert!(load(&[("PREHOOK_CONFIG_FILE", file.to_str().unwrap())]).is_ok());
        std::fs::write(
            dir.join("bad.json"),
            r#"{"functions": {"f": {"event": "soap"}}}"#,
        )
        .unwrap();
        let bad = dir.join("bad.json");
        let err = load(&[
            ("PREHOOK_CONFIG_FILE", bad.to_str().unwrap()),
            ("LAMBDA_TASK_ROOT", root),
        ])
        .unwrap_err()
        .to_string();
        assert!(err.ends_with("bad.json: functions.f.event: expected one of apigateway, apigateway-lambda, httpapi, alb, raw, got the string \"soap\""), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_and_invalid_configs_are_clear_errors() {
        let err = load(&[("LAMBDA_TASK_ROOT", "/nonexistent-task-root")])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("no checks config found (looked for /nonexistent-task-root/prehook.json, prehook.json)"), "{err}");
        let err = load(&[("PREHOOK_CONFIG", "{")]).unwrap_err().to_string();
        assert!(
            err.starts_with("PREHOOK_CONFIG: prehook.json: not valid JSON"),
            "{err}"
        );
    }
}
