//! One CodeDeploy hook invocation: read the AppSpec, check every function's new version,
//! report exactly one status before the deadline.
//!
//! CodeDeploy waits up to an hour for a status that never comes, so every path ends in a report:
//! errors and panics become Failed, and checks still running when the deadline reserve is
//! reached are abandoned with a Failed.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lambda_events::event::codedeploy::CodeDeployLifecycleEvent;
use futures::FutureExt;
use prehook_core::{AppSpec, HookConfig, LifecycleEvent};
use prehook_engine::{Backoff, CheckRun, Concurrency, Summary, Target};
use serde_json::json;

use crate::aws::{AwsError, CodeDeployApi, LambdaApi, Reported};
use crate::error::Error;
use crate::secrets::{SdkSecrets, SecretsApi};
use crate::verdict::{Status, Verdict};
use crate::{engine, lifecycle, log, secrets};

/// Longest reason logged; the full list of failures is in the check attempt lines.
const MAX_REASON_CHARS: usize = 1000;

/// Tunables; the defaults are what runs in Lambda.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Checks in flight at once, in all and per function.
    pub concurrency: Concurrency,
    /// Time kept before the invocation's deadline to report the status.
    pub reserve: Duration,
    pub backoff: Backoff,
    /// Attempts of the status call beyond the SDK's own retries.
    pub report_attempts: u32,
    /// Longest wait for one status call.
    pub report_timeout: Duration,
    /// Longest wait for the secrets the checks reference (all read at once).
    pub secrets_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            concurrency: prehook_engine::DEFAULT_CONCURRENCY,
            reserve: Duration::from_secs(3),
            backoff: Backoff::default(),
            report_attempts: 4,
            report_timeout: Duration::from_secs(5),
            secrets_timeout: Duration::from_secs(10),
        }
    }
}

pub struct Hook<C, L, S = SdkSecrets> {
    pub codedeploy: C,
    pub lambda: L,
    /// Reads the secrets the checks reference (SSM, Secrets Manager).
    pub secrets: S,
    /// The checks config, or why it could not be loaded (every deployment then fails with it).
    pub config: Result<HookConfig, Error>,
    pub settings: Settings,
    /// The hook's own function name (`AWS_LAMBDA_FUNCTION_NAME`): the AppSpec must name it as
    /// the hook of the event it serves; see [`crate::lifecycle`].
    pub function_name: Option<String>,
    /// The lifecycle event this function serves (`PREHOOK_LIFECYCLE_EVENT`), or why the setting
    /// is invalid (every deployment then fails with it).
    pub serves: Result<lifecycle::Serves, Error>,
}

impl<C: CodeDeployApi, L: LambdaApi, S: SecretsApi> Hook<C, L, S> {
    /// Handles one invocation whose deadline is `deadline`; `Ok` once a status was reported.
    pub async fn handle(
        &self,
        event: &CodeDeployLifecycleEvent,
        deadline: Instant,
    ) -> Result<Verdict, Error> {
        let start = Instant::now();
        let cutoff = self.cutoff(start, deadline);
        let verdict = match unless_panic(self.decide(event, start, cutoff)).await {
            Ok(verdict) => verdict,
            Err(panicked) => Verdict::failed(panicked.to_string()),
        };
        let verdict = Verdict {
            reason: verdict.reason.map(|r| shorten(&r)),
            ..verdict
        };
        log::line(&json!({
            "level": if verdict.status == Status::Succeeded { "INFO" } else { "ERROR" },
            "msg": "verdict",
            "deploymentId": event.deployment_id,
            "lifecycleEventHookExecutionId": event.lifecycle_event_hook_execution_id,
            "status": verdict.status,
            "reason": verdict.reason,
            "checks": verdict.checks,
            "failed": verdict.failed,
        }));
        self.report(event, verdict.status == Status::Succeeded, deadline)
            .await?;
        Ok(verdict)
    }

    /// When the checks must end for an invocation that started at `start` and ends at
    /// `deadline`: the reserve for reporting before the deadline, yet a very short invocation
    /// still gets half its time for checks. The same for CodeDeploy's events and the gate.
    pub(crate) fn cutoff(&self, start: Instant, deadline: Instant) -> Instant {
        let remaining = deadline.saturating_duration_since(start);
        start + remaining.saturating_sub(self.settings.reserve.min(remaining / 2))
    }

    /// Plans the checks `event` runs on `targets`, reads their secret references, and runs them
    /// until they end or `cutoff`: the one way the hook runs checks, for CodeDeploy's lifecycle
    /// events and for the first-deploy gate alike. `run_id` names the run in each event.
    pub(crate) async fn run_checks(
        &self,
        config: &HookConfig,
        targets: &[Target],
        event: LifecycleEvent,
        run_id: &str,
        start: Instant,
        cutoff: Instant,
    ) -> Result<Summary, prehook_engine::Error> {
        let settings = prehook_engine::Settings {
            backoff: self.settings.backoff,
            concurrency: self.settings.concurrency,
            run_id: run_id.to_owned(),
            epoch_ms: epoch_ms_at(start),
            cutoff: cutoff.saturating_duration_since(start),
        };
        let mut run = CheckRun::plan(config, targets, event, settings)?;
        secrets::resolve(
            &self.secrets,
            &mut run,
            self.settings.secrets_timeout,
            cutoff,
        )
        .await;
        engine::drive(&self.lambda, &mut run, start).await;
        Ok(run.summary())
    }

    /// The verdict, decided by `cutoff`: the checks still running then fail the deployment.
    async fn decide(
        &self,
        event: &CodeDeployLifecycleEvent,
        start: Instant,
        cutoff: Instant,
    ) -> Verdict {
        let config = match &self.config {
            Ok(config) => config,
            Err(error) => return Verdict::failed(format!("invalid checks config: {error}")),
        };
        let serves = match &self.serves {
            Ok(serves) => serves,
            Err(error) => return Verdict::failed(error.to_string()),
        };
        if let Some(skip) = &config.skip {
            return crate::skip::verdict(&event.deployment_id, skip);
        }
        let (appspec, hook_event) = match tokio::time::timeout_at(
            cutoff.into(),
            self.read_deployment(event, serves),
        )
        .await
        {
            Ok(Ok(read)) => read,
            Ok(Err(error)) => return Verdict::failed(error.to_string()),
            Err(_) => {
                return Verdict::failed(
                    "deadline reached before the checks could start (reading the deployment took too long)",
                );
            }
        };

        // Only functions named both in the AppSpec and in the config are invoked; the engine
        // fails closed on any other before invoking anything.
        let targets: Vec<Target> = appspec
            .resources
            .iter()
            .map(|resource| Target {
                function: resource.name.clone(),
                qualifier: resource.target_version.clone(),
            })
            .collect();
        let summary = match self
            .run_checks(
                config,
                &targets,
                hook_event,
                &event.deployment_id,
                start,
                cutoff,
            )
            .await
        {
            Ok(summary) => summary,
            Err(error) => return Verdict::failed(error.to_string()),
        };
        Verdict {
            status: if summary.passed {
                Status::Succeeded
            } else {
                Status::Failed
            },
            reason: summary.reason,
            checks: summary.checks,
            failed: summary.failed,
        }
    }

    /// The AppSpec, and the lifecycle event this invocation serves once the AppSpec is seen to
    /// name this function as its hook.
    async fn read_deployment(
        &self,
        event: &CodeDeployLifecycleEvent,
        serves: &lifecycle::Serves,
    ) -> Result<(AppSpec, LifecycleEvent), Error> {
        let appspec = self.read_appspec(&event.deployment_id).await?;
        let hook_event = lifecycle::check_wiring(
            &event.deployment_id,
            &appspec,
            serves,
            self.function_name.as_deref(),
        )?;
        Ok((appspec, hook_event))
    }

    async fn read_appspec(&self, deployment_id: &str) -> Result<AppSpec, Error> {
        let revision = self
            .codedeploy
            .get_deployment(deployment_id)
            .await
            .map_err(|source| Error::Deployment {
                deployment_id: deployment_id.to_owned(),
                source,
            })?;
        let content = self
            .codedeploy
            .get_appspec(&revision)
            .await
            .map_err(|source| Error::AppSpecUnreadable {
                deployment_id: deployment_id.to_owned(),
                source,
            })?;
        Ok(AppSpec::parse(content.as_deref().unwrap_or_default())?)
    }

    /// Reports the status, retrying what may pass on a second try, until the deadline.
    async fn report(
        &self,
        event: &CodeDeployLifecycleEvent,
        succeeded: bool,
        deadline: Instant,
    ) -> Result<(), Error> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            // Past the deadline Lambda stops us anyway; an error return before that lets it retry.
            let limit = self
                .settings
                .report_timeout
                .min(deadline.saturating_duration_since(Instant::now()))
                .max(Duration::from_millis(500));
            let answer = tokio::time::timeout(
                limit,
                self.codedeploy.put_status(
                    &event.deployment_id,
                    &event.lifecycle_event_hook_execution_id,
                    succeeded,
                ),
            )
            .await
            .unwrap_or_else(|_| {
                Err(AwsError {
                    message: format!("no answer within {} ms", limit.as_millis()),
                    retryable: true,
                })
            });
            let error = match answer {
                Ok(Reported::Accepted) => return Ok(()),
                Ok(Reported::AlreadyCompleted) => {
                    log::message(
                        "WARN",
                        "status already reported",
                        json!({"deploymentId": event.deployment_id}),
                    );
                    return Ok(());
                }
                Err(error) => error,
            };
            let pause = self.settings.backoff.first * attempt;
            let retry = error.retryable
                && attempt < self.settings.report_attempts
                && Instant::now() + pause < deadline;
            log::message(
                "ERROR",
                "status report failed",
                json!({"deploymentId": event.deployment_id, "attempt": attempt, "error": error.message, "retrying": retry}),
            );
            if !retry {
                return Err(Error::Report(error));
            }
            tokio::time::sleep(pause).await;
        }
    }
}

/// A panic while a run of checks was decided: the reason it fails, so that the hook still
/// reports and answers.
#[derive(Debug, thiserror::Error)]
#[error("internal error while checking: {0}")]
pub(crate) struct Panicked(String);

/// Runs `decision`, catching a panic inside it.
pub(crate) async fn unless_panic<T>(decision: impl Future<Output = T>) -> Result<T, Panicked> {
    AssertUnwindSafe(decision)
        .catch_unwind()
        .await
        .map_err(|panic| {
            Panicked(
                panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into()),
            )
        })
}

/// Milliseconds since the Unix epoch at `instant` (a moment just past): the events' request time.
fn epoch_ms_at(instant: Instant) -> u64 {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    now_ms.saturating_sub(instant.elapsed().as_millis() as u64)
}

fn shorten(reason: &str) -> String {
    if reason.chars().count() <= MAX_REASON_CHARS {
        return reason.to_owned();
    }
    let mut cut: String = reason.chars().take(MAX_REASON_CHARS).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_event_codedeploy_sends() {
        let text = include_str!("../tests/fixtures/codedeploy-lifecycle-event.json");
        let event: CodeDeployLifecycleEvent = serde_json::from_str(text).unwrap();
        assert_eq!(event.deployment_id, "d-ABCDEF123");
        assert!(
            event
                .lifecycle_event_hook_execution_id
                .starts_with("eyJlbmNyeXB0ZWRE")
        );
    }

    #[test]
    fn long_reasons_are_cut() {
        let long = "x".repeat(MAX_REASON_CHARS + 50);
        assert_eq!(shorten(&long).chars().count(), MAX_REASON_CHARS + 1);
        assert_eq!(shorten("short"), "short");
    }
}
