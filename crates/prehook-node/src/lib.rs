//! Node.js binding of prehook-core and prehook-engine for the Serverless plugin: it converts
//! data between JS and the Rust types, and decides nothing itself.
//!
//! One way to report an error: where the user is at fault (the service config, the functions
//! named on `prehook check`'s command line), a function returns `{ ok: false, errors }`, each
//! error a [`ConfigError`] with its path, so the plugin shows them all as one framework error.
//! Anything else (a `prehook.json` or a shipped zip the plugin itself got wrong, an argument of
//! the wrong type) is a programming error and throws a JS `Error`.

mod check;

pub use check::{CheckConfig, CheckRun, latest_published_version};

use napi::bindgen_prelude::Buffer;
use napi_derive::napi;
use prehook_core::{Plan, artifact, transform as core_transform};
use serde_json::Value;

/// What the user got wrong, and where: a YAML path of the service config
/// (`functions.api.prehook.checks[0].timeout`), or the command-line option at fault
/// (`--function`).
#[napi(object)]
pub struct ConfigError {
    pub path: String,
    pub message: String,
}

impl From<&prehook_core::ConfigError> for ConfigError {
    fn from(error: &prehook_core::ConfigError) -> Self {
        Self {
            path: error.path.clone(),
            message: error.message.clone(),
        }
    }
}

/// A skip of the checks on purpose, as the plugin read it (`PREHOOK_SKIP`).
#[napi(object)]
pub struct Skip {
    /// Why, as the user gave it.
    pub reason: String,
    /// What set it (`PREHOOK_SKIP`).
    pub setting: String,
}

/// What the plugin knows besides the service config.
#[napi(object)]
pub struct PluginFacts {
    /// The plugin's version: names the shipped zips.
    pub version: String,
    /// Where the hook's artifact is written. @default ".serverless"
    pub artifact_dir: Option<String>,
    /// The stage in force (`--stage` wins over `provider.stage`).
    pub stage: Option<String>,
    /// The framework's stack name (`provider.stackName` or `<service>-<stage>`).
    pub stack_name: Option<String>,
    /// The checks are skipped on purpose for this package.
    pub skip: Option<Skip>,
}

impl From<PluginFacts> for prehook_core::PluginFacts {
    fn from(facts: PluginFacts) -> Self {
        let defaults: prehook_core::PluginFacts =
            serde_json::from_value(serde_json::json!({ "version": facts.version }))
                .expect("the facts of a version alone deserialize");
        Self {
            version: facts.version,
            artifact_dir: facts.artifact_dir.unwrap_or(defaults.artifact_dir),
            stage: facts.stage,
            stack_name: facts.stack_name,
            skip: facts.skip.map(|skip| prehook_core::Skip {
                reason: skip.reason,
                setting: skip.setting,
            }),
        }
    }
}

// The core's `Plan` crosses as two fields rather than as one tagged object: a napi-rs 3 enum
// with data (`discriminant`) would give the payload of `Plan::Apply` a field of its own instead
// of spreading it as serde does, and napi-rs converts no `Box`. `changes` is the serde JSON of
// the core's `Changes`, typed by the declarations the core makes with its `napi` feature.
/// What [`transform`] returns: the changes to apply, why there are none, or every error of the
/// service config.
#[napi(object)]
pub struct TransformResult {
    pub ok: bool,
    /// `Plan::Apply`: what to change in the service (CloudFormation fragments stay JSON: they
    /// are template text). Absent when skipped or not ok.
    #[napi(ts_type = "Changes")]
    pub changes: Option<Value>,
    /// `Plan::Skip`: why there is nothing to check. Absent when there are changes or not ok.
    pub skipped: Option<String>,
    /// Absent when ok.
    pub errors: Option<Vec<ConfigError>>,
}

/// Transforms the resolved service config (`serverless.yml` as the framework resolved it: any
/// JSON value, which the core validates).
#[napi]
pub fn transform(service: Value, facts: PluginFacts) -> napi::Result<TransformResult> {
    let none = TransformResult {
        ok: true,
        changes: None,
        skipped: None,
        errors: None,
    };
    Ok(match core_transform(&service, &facts.into()) {
        Ok(Plan::Apply(changes)) => TransformResult {
            changes: Some(serde_json::to_value(changes).map_err(programming_error)?),
            ..none
        },
        Ok(Plan::Skip { reason }) => TransformResult {
            skipped: Some(reason),
            ..none
        },
        Err(errors) => TransformResult {
            ok: false,
            errors: Some(errors.0.iter().map(ConfigError::from).collect()),
            ..none
        },
    })
}

/// The hook's deployment zip: `bootstrap` from the shipped zip plus `prehook.json`. Throws on a
/// shipped zip without `bootstrap` or an invalid `prehook.json`: both come from the plugin.
#[napi]
pub fn build_artifact(shipped: Buffer, prehook_json: String) -> napi::Result<Buffer> {
    artifact::assemble(&shipped, &prehook_json)
        .map(Buffer::from)
        .map_err(programming_error)
}

/// The version of the core this addon was built from, to detect a stale addon.
#[napi]
pub fn core_version() -> String {
    prehook_core::VERSION.to_owned()
}

/// A failure no user config causes, as the JS `Error` it throws.
pub(crate) fn programming_error(error: impl std::fmt::Display) -> napi::Error {
    napi::Error::from_reason(error.to_string())
}
