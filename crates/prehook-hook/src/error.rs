//! Why the hook could not decide on a deployment, or could not report its decision. Every
//! message but [`Error::Report`]'s ends up as a Failed verdict's reason, in the hook's log and
//! in CodeDeploy's, so each names what was being read and what was wrong with it.

use std::path::PathBuf;

use prehook_core::hook_config::CONFIG_FILE_NAME;
use prehook_core::{AppSpecError, ConfigErrors};

use crate::aws::AwsError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `PREHOOK_CONFIG` holds a config that is not valid.
    #[error("PREHOOK_CONFIG: {}", one_line(.0))]
    InlineConfig(ConfigErrors),
    /// No checks config in any of the places looked at, in order.
    #[error(
        "no checks config found (looked for {}); the plugin puts {CONFIG_FILE_NAME} next to bootstrap",
        paths(.tried)
    )]
    ConfigMissing { tried: Vec<PathBuf> },
    /// The checks config file is there but cannot be read.
    #[error("cannot read checks config {}: {source}", .path.display())]
    ConfigUnreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The checks config file is not a valid config.
    #[error("{}: {}", .path.display(), one_line(.errors))]
    ConfigInvalid { path: PathBuf, errors: ConfigErrors },
    /// GetDeployment failed.
    #[error("cannot read deployment {deployment_id}: {source}")]
    Deployment {
        deployment_id: String,
        source: AwsError,
    },
    /// GetApplicationRevision failed.
    #[error("cannot read the AppSpec of deployment {deployment_id}: {source}")]
    AppSpecUnreadable {
        deployment_id: String,
        source: AwsError,
    },
    /// The deployment's AppSpec is not one the hook can check.
    #[error(transparent)]
    AppSpec(#[from] AppSpecError),
    /// `PREHOOK_LIFECYCLE_EVENT` names no lifecycle event with a hook.
    #[error("PREHOOK_LIFECYCLE_EVENT: expected BeforeAllowTraffic or AfterAllowTraffic, got {0:?}")]
    LifecycleEventSetting(String),
    /// The deployment's AppSpec does not name this function as the hook of the lifecycle event it
    /// serves, or names it for both events: the deployment is wired to the wrong function.
    #[error("wiring error in deployment {deployment_id}: {reason}")]
    Wiring {
        deployment_id: String,
        reason: String,
    },
    /// The checks cannot be planned (a function of the AppSpec without checks).
    #[error(transparent)]
    Plan(#[from] prehook_engine::Error),
    /// The first-deploy gate (a custom resource) lacks one of its properties, or has it empty.
    #[error("the custom resource has no {0} property")]
    GateProperty(&'static str),
    /// The gate's `Version` is not a published version (`$LATEST`, an alias).
    #[error(
        "Version `{0}` is not a published version: the gate checks the version the alias will point at"
    )]
    GateVersion(String),
    /// PutLifecycleEventHookExecutionStatus failed for good: Lambda should run the hook again.
    #[error("could not report the status to CodeDeploy: {0}")]
    Report(AwsError),
}

/// Config errors on one line: a verdict's reason is one line of the log.
fn one_line(errors: &ConfigErrors) -> String {
    errors.to_string().replace('\n', "; ")
}

fn paths(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    shown.join(", ")
}
