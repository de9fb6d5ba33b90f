//! Which lifecycle event an invocation serves: `BeforeAllowTraffic` runs a function's `checks`,
//! `AfterAllowTraffic` its `afterTraffic` checks.
//!
//! CodeDeploy's event carries only the deployment id and an opaque execution id; nothing in it
//! says which hook is being called. The AppSpec's `Hooks` say which function each event calls,
//! so the hook looks for its own name (`AWS_LAMBDA_FUNCTION_NAME`) there:
//! - named for one event only (every pre-traffic-only setup, SAM's included): that event, with no
//!   further call and no further IAM right;
//! - named for both (`afterTraffic`: the same function is both hooks), or not recognisably named
//!   while the AppSpec lists both events: CodeDeploy is asked which of them is `InProgress` on the
//!   deployment's targets. Lifecycle events run one after the other and CodeDeploy invokes a hook
//!   only while its event is in progress, so exactly one of the two is, and that one is ours.
//!
//! Anything else (neither or both in progress, targets that cannot be read) fails closed with the
//! reason: running the pre-traffic list after traffic moved, or the reverse, would pass a version
//! on checks that were never meant for that moment.

use std::collections::BTreeSet;
use std::time::Duration;

use prehook_core::{AppSpec, LifecycleEvent};
use serde_json::json;

use crate::aws::CodeDeployApi;
use crate::error::{Error, event_names};
use crate::log;

/// Reads of the deployment targets before giving up on finding an event in progress: CodeDeploy
/// may invoke the hook a moment before its own status says so.
const READS: u32 = 4;

/// The event this invocation serves, and how that was found (logged, for whoever reads why).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub event: LifecycleEvent,
    pub how: String,
}

/// Works out the lifecycle event of this invocation of deployment `deployment_id`.
/// `own_name` is the hook's own function name; re-reads of the targets pause `first_pause`,
/// doubling up to `max_pause`.
pub async fn select(
    codedeploy: &impl CodeDeployApi,
    deployment_id: &str,
    appspec: &AppSpec,
    own_name: Option<&str>,
    first_pause: Duration,
    max_pause: Duration,
) -> Result<Selection, Error> {
    let listed: BTreeSet<LifecycleEvent> = appspec
        .hooks
        .iter()
        .filter_map(|h| LifecycleEvent::from_name(&h.event))
        .collect();
    let mine: BTreeSet<LifecycleEvent> = appspec
        .hooks
        .iter()
        .filter(|h| own_name.is_some_and(|own| names_function(&h.function, own)))
        .filter_map(|h| LifecycleEvent::from_name(&h.event))
        .collect();
    let me = own_name.unwrap_or("this function");
    let candidates = if mine.is_empty() {
        listed
    } else {
        mine.clone()
    };
    let selection = match candidates.iter().collect::<Vec<_>>().as_slice() {
        [only] if !mine.is_empty() => Selection {
            event: **only,
            how: format!("the AppSpec names {me} as the {only} hook only"),
        },
        // CodeDeploy calls hooks only for the events the AppSpec lists.
        [only] => Selection {
            event: **only,
            how: format!("the AppSpec lists only a {only} hook"),
        },
        _ => {
            let candidates = if candidates.is_empty() {
                LifecycleEvent::ALL.into_iter().collect()
            } else {
                candidates
            };
            let pauses = (first_pause, max_pause);
            in_progress(codedeploy, deployment_id, &candidates, me, pauses).await?
        }
    };
    log::message(
        "INFO",
        "lifecycle event",
        json!({"deploymentId": deployment_id, "event": selection.event.as_str(), "how": selection.how}),
    );
    Ok(selection)
}

/// Asks CodeDeploy which of `candidates` is in progress on the deployment's targets.
async fn in_progress(
    codedeploy: &impl CodeDeployApi,
    deployment_id: &str,
    candidates: &BTreeSet<LifecycleEvent>,
    me: &str,
    (first_pause, max_pause): (Duration, Duration),
) -> Result<Selection, Error> {
    let mut pause = first_pause;
    let mut read = 0;
    loop {
        read += 1;
        let events = match codedeploy.lifecycle_events(deployment_id).await {
            Ok(events) => events,
            Err(error) if error.retryable && read < READS => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(max_pause);
                continue;
            }
            Err(error) => {
                return Err(Error::TargetsUnreadable {
                    function: me.to_owned(),
                    candidates: candidates.clone(),
                    source: error,
                });
            }
        };
        let running: BTreeSet<LifecycleEvent> = events
            .iter()
            .filter(|e| e.status.eq_ignore_ascii_case("InProgress"))
            .filter_map(|e| LifecycleEvent::from_name(&e.name))
            .filter(|e| candidates.contains(e))
            .collect();
        match running.iter().collect::<Vec<_>>().as_slice() {
            [event] => {
                return Ok(Selection {
                    event: **event,
                    how: format!(
                        "the AppSpec names {me} for {}, and CodeDeploy shows {event} in progress",
                        event_names(candidates)
                    ),
                });
            }
            [] if read < READS => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(max_pause);
            }
            [] => {
                return Err(Error::NoneInProgress {
                    function: me.to_owned(),
                    candidates: candidates.clone(),
                    events,
                });
            }
            _ => {
                return Err(Error::SeveralInProgress {
                    function: me.to_owned(),
                    candidates: candidates.clone(),
                    events,
                });
            }
        }
    }
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
}
