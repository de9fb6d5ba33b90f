//! Why the hook could not decide on a deployment, or could not report its decision. Every
//! message but [`Error::Report`]'s ends up as a Failed verdict's reason, in the hook's log and
//! in CodeDeploy's, so each names what was being read and what was wrong with it.

use std::collections::BTreeSet;
use std::path::PathBuf;

use prehook_core::hook_config::CONFIG_FILE_NAME;
use prehook_core::{AppSpecError, ConfigErrors, LifecycleEvent};

use crate::aws::{AwsError, TargetEvent};

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
    /// The AppSpec leaves open which lifecycle event this invocation serves, and the deployment's
    /// targets, which would tell, cannot be read.
    #[error(
        "{}, and the deployment's targets cannot be read (codedeploy:ListDeploymentTargets, codedeploy:BatchGetDeploymentTargets): {source}",
        unknown_event(.function, .candidates)
    )]
    TargetsUnreadable {
        /// The hook's own function name, or `this function`.
        function: String,
        candidates: BTreeSet<LifecycleEvent>,
        source: AwsError,
    },
    /// The AppSpec leaves the lifecycle event open and CodeDeploy shows none of the candidates
    /// in progress.
    #[error(
        "{}, and CodeDeploy shows none of them in progress ({})",
        unknown_event(.function, .candidates),
        target_events(.events)
    )]
    NoneInProgress {
        function: String,
        candidates: BTreeSet<LifecycleEvent>,
        events: Vec<TargetEvent>,
    },
    /// The AppSpec leaves the lifecycle event open and CodeDeploy shows more than one of the
    /// candidates in progress.
    #[error(
        "{}, and CodeDeploy shows more than one of them in progress ({})",
        unknown_event(.function, .candidates),
        target_events(.events)
    )]
    SeveralInProgress {
        function: String,
        candidates: BTreeSet<LifecycleEvent>,
        events: Vec<TargetEvent>,
    },
    /// The checks cannot be planned (a function of the AppSpec without checks).
    #[error(transparent)]
    Plan(#[from] prehook_engine::Error),
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

fn unknown_event(function: &str, candidates: &BTreeSet<LifecycleEvent>) -> String {
    format!(
        "cannot tell which hook {function} is called as: the AppSpec names it for {}",
        event_names(candidates)
    )
}

/// `BeforeAllowTraffic and AfterAllowTraffic`
pub(crate) fn event_names(events: &BTreeSet<LifecycleEvent>) -> String {
    let names: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
    names.join(" and ")
}

fn target_events(events: &[TargetEvent]) -> String {
    if events.is_empty() {
        return "no lifecycle events on any target".into();
    }
    let shown: Vec<String> = events
        .iter()
        .map(|e| format!("{} {}: {}", e.target, e.name, e.status))
        .collect();
    shown.join(", ")
}
