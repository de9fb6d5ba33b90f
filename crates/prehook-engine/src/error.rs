//! Why a run of checks cannot be planned, or a secret its checks reference could not be read.
//! The messages are what the user reads (a deployment's Failed reason, `prehook check`'s
//! error, a failed check's reason), so each names what is at fault.

use std::time::Duration;

use prehook_core::LifecycleEvent;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Targets (function versions of the AppSpec, or named on the command line) without checks
    /// for the lifecycle event: a version nothing checks must not pass as if it had been checked.
    #[error("{}", unchecked(*.event, .functions))]
    Unchecked {
        event: LifecycleEvent,
        /// The deployed names, in target order.
        functions: Vec<String>,
    },
    /// `prehook check` was asked for functions that have no checks for the lifecycle event.
    #[error(
        "no {list} configured for {}: the functions with {list} are {}",
        quoted(.unknown),
        checked_list(.checked),
        list = list_name(*.event)
    )]
    NotChecked {
        event: LifecycleEvent,
        /// The names asked for, as given (serverless.yml keys or deployed names).
        unknown: Vec<String>,
        /// The functions that do have checks for the event: (key, deployed name).
        checked: Vec<(String, String)>,
    },
    /// The secret store refused or failed the read of a reference, as the driver's SDK
    /// describes it (`ParameterNotFound: ...`).
    #[error("{0}")]
    SecretStore(String),
    /// The read of a reference got no answer within the time allowed for reading secrets.
    #[error("no answer within {} ms", .0.as_millis())]
    SecretTimeout(Duration),
    /// The secret has no value for the reference's `key`: it is not a JSON object, or the
    /// object has no such field (the reason says which).
    #[error("{0}")]
    SecretValue(String),
    /// The driver handed over a resolution with neither a value nor an error.
    #[error("no value")]
    SecretMissing,
}

/// Why `function` cannot be checked for `event`.
fn no_checks(event: LifecycleEvent, function: &str) -> String {
    match event {
        LifecycleEvent::BeforeAllowTraffic => {
            format!("no checks configured for function {function}")
        }
        LifecycleEvent::AfterAllowTraffic => format!(
            "no afterTraffic checks configured for function {function} (this is its AfterAllowTraffic hook)"
        ),
    }
}

fn unchecked(event: LifecycleEvent, functions: &[String]) -> String {
    let reasons: Vec<String> = functions.iter().map(|f| no_checks(event, f)).collect();
    reasons.join("; ")
}

/// What the config calls the list of checks `event` runs.
fn list_name(event: LifecycleEvent) -> &'static str {
    match event {
        LifecycleEvent::BeforeAllowTraffic => "checks",
        LifecycleEvent::AfterAllowTraffic => "afterTraffic checks",
    }
}

fn quoted(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    quoted.join(", ")
}

fn checked_list(checked: &[(String, String)]) -> String {
    if checked.is_empty() {
        return "none".to_owned();
    }
    let shown: Vec<String> = checked
        .iter()
        .map(|(key, deployed)| format!("{key} ({deployed})"))
        .collect();
    shown.join(", ")
}
