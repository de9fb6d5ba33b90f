//! `serverless prehook check`: prehook-engine's run of checks as a synchronous JS class.
//! The plugin's JS drives it (lib/check/run.js): it performs each Lambda Invoke the run asks
//! for (deployed or under serverless-offline), keeps the time, and feeds the answers back; the
//! engine decides events, attempts, timeouts and verdicts as in the hook. Nothing here waits,
//! calls back into JS or keeps a clock: this only converts data.

use std::time::Duration;

use napi_derive::napi;
use prehook_core::{HookConfig, LifecycleEvent, SecretRef};
use prehook_engine::{
    Action, Backoff, DEFAULT_CONCURRENCY, Error, InvokeResponse, LONGEST_RUN, Settings, Target,
};

use crate::{ConfigError, programming_error};

/// A function the run checks, by deployed name.
#[napi(object)]
pub struct SelectedFunction {
    /// The deployed name (`website-dev-website`).
    pub function: String,
    /// The serverless.yml key (`website`).
    pub key: String,
}

/// What [`CheckConfig::select_functions`] returns: the functions, or why the names given on
/// the command line select none.
#[napi(object)]
pub struct Selection {
    pub ok: bool,
    /// Absent when not ok.
    pub functions: Option<Vec<SelectedFunction>>,
    /// At `--function`; absent when ok.
    pub errors: Option<Vec<ConfigError>>,
}

/// `prehook.json`, parsed once for a run of `prehook check`: the functions to check are
/// selected from it, and the [`CheckRun`] is planned from it.
#[napi]
pub struct CheckConfig {
    config: HookConfig,
}

#[napi]
impl CheckConfig {
    /// Parses `hook_config_json` (`prehook.json`); throws on an invalid one, which the plugin
    /// itself wrote.
    #[napi(constructor)]
    pub fn new(hook_config_json: String) -> napi::Result<Self> {
        HookConfig::from_json(&hook_config_json)
            .map(|config| Self { config })
            .map_err(programming_error)
    }

    /// The checked functions that `names` name (keys or deployed names); all of them when
    /// `names` is empty. Throws on an unknown lifecycle event.
    #[napi]
    pub fn select_functions(
        &self,
        names: Vec<String>,
        lifecycle_event: Option<String>,
    ) -> napi::Result<Selection> {
        let event = lifecycle_event_of(lifecycle_event.as_deref())?;
        Ok(
            match prehook_engine::select_functions(&self.config, &names, event) {
                Ok(functions) => Selection {
                    ok: true,
                    functions: Some(
                        functions
                            .iter()
                            .map(|(deployed, f)| SelectedFunction {
                                function: (*deployed).to_owned(),
                                key: f.key.clone(),
                            })
                            .collect(),
                    ),
                    errors: None,
                },
                Err(error) => Selection {
                    ok: false,
                    functions: None,
                    errors: Some(vec![ConfigError {
                        path: "--function".to_owned(),
                        message: error.to_string(),
                    }]),
                },
            },
        )
    }
}

/// `BeforeAllowTraffic` (the default: the pre-traffic `checks`) or `AfterAllowTraffic`; the
/// plugin passes one of these, so another name is a programming error.
fn lifecycle_event_of(name: Option<&str>) -> napi::Result<LifecycleEvent> {
    match name {
        None => Ok(LifecycleEvent::BeforeAllowTraffic),
        Some(name) => LifecycleEvent::from_name(name).ok_or_else(|| {
            programming_error(format!(
                "unknown lifecycle event {name:?}: expected BeforeAllowTraffic or AfterAllowTraffic"
            ))
        }),
    }
}

/// The latest published version among ListVersionsByFunction's `Version` values.
#[napi]
pub fn latest_published_version(versions: Vec<String>) -> Option<String> {
    prehook_engine::latest_published_version(versions.iter().map(String::as_str))
}

/// One function version to check.
#[napi(object)]
pub struct CheckTarget {
    pub function: String,
    /// A version number, an alias, or `$LATEST` (serverless-offline).
    pub qualifier: String,
}

/// What a [`CheckRun`] is given besides the config and the targets.
#[napi(object)]
pub struct CheckRunOptions {
    /// `BeforeAllowTraffic` (the default: the pre-traffic `checks`) or `AfterAllowTraffic`.
    pub lifecycle_event: Option<String>,
    /// Names the run in each event's request id (`check-<pid>`).
    pub run_id: String,
    /// `Date.now()` at the run's start: the events' request time is this plus `nowMs`.
    pub epoch_ms: f64,
    /// Since the run's start: no attempt starts from then on and the run ends with what is
    /// still under way. @default 900000 (Lambda's longest run)
    pub cutoff_ms: Option<f64>,
}

/// One Invoke to start now.
#[napi(object)]
pub struct InvokeArgs {
    /// Names the attempt when its answer is fed back.
    pub id: u32,
    pub function: String,
    pub qualifier: String,
    /// The event, as JSON text.
    pub payload: String,
    /// Base64 JSON `ClientContext` (raw checks).
    pub client_context: Option<String>,
    /// The run gives up on the attempt after this; the caller may abort its call then.
    pub timeout_ms: u32,
}

/// What to do next: start `invokes`, then call `next` again when an answer came or at
/// `wakeAtMs`, whichever is first; or nothing more when `done`.
#[napi(object)]
pub struct CheckStep {
    pub invokes: Vec<InvokeArgs>,
    /// Since the run's start; absent once done.
    pub wake_at_ms: Option<f64>,
    pub done: bool,
}

/// What an Invoke answered.
#[napi(object)]
pub struct InvokeReply {
    /// Lambda's `FunctionError` (`Unhandled`), if any.
    pub function_error: Option<String>,
    /// The response payload, as UTF-8 text.
    pub payload: String,
}

/// The outcome of one check.
#[napi(object)]
pub struct CheckReport {
    pub function: String,
    pub key: String,
    pub qualifier: String,
    /// The check's name (`GET /healthcheck`).
    pub check: String,
    pub passed: bool,
    /// The HTTP status of the last attempt, for HTTP checks that got an answer.
    pub status: Option<u32>,
    pub duration_ms: f64,
    pub attempts: u32,
    pub reason: Option<String>,
}

/// A secret reference of the run's checks, to read before the first `next`.
#[napi(object)]
pub struct SecretReference {
    /// `ssm:/prod/token` or `secretsManager:prod/api#key`: what `resolveSecret` takes, and what
    /// a failed check's reason and a redaction mark name.
    pub name: String,
    /// The SSM parameter name or ARN (GetParameter with decryption).
    pub ssm: Option<String>,
    /// The Secrets Manager secret name or ARN (GetSecretValue).
    pub secrets_manager: Option<String>,
    /// The field of the secret's JSON; the whole string without it.
    pub key: Option<String>,
}

/// What reading a reference gave: its value, or the error that kept it from being read.
#[napi(object)]
pub struct SecretResolution {
    pub value: Option<String>,
    pub error: Option<String>,
}

/// A run of checks as the hook runs them (same events, attempts, timeouts, verdicts), driven
/// from JS: `next(nowMs)` says what to invoke and until when to wait, `complete`/`fail` feed
/// each answer back, `reports()` gives the results in plan order. Times are milliseconds since
/// the run's start, on the caller's clock.
#[napi]
pub struct CheckRun {
    run: prehook_engine::CheckRun,
}

#[napi]
impl CheckRun {
    /// The checks of `targets` in `config` for the options' lifecycle event; throws on an
    /// unknown lifecycle event or a target without checks (the plugin selects the targets
    /// with [`CheckConfig::select_functions`] first).
    #[napi(constructor)]
    pub fn new(
        config: &CheckConfig,
        targets: Vec<CheckTarget>,
        options: CheckRunOptions,
    ) -> napi::Result<Self> {
        let event = lifecycle_event_of(options.lifecycle_event.as_deref())?;
        let targets: Vec<Target> = targets
            .into_iter()
            .map(|t| Target {
                function: t.function,
                qualifier: t.qualifier,
            })
            .collect();
        let settings = Settings {
            backoff: Backoff::default(),
            concurrency: DEFAULT_CONCURRENCY,
            run_id: options.run_id,
            epoch_ms: options.epoch_ms.max(0.0) as u64,
            cutoff: options.cutoff_ms.map_or(LONGEST_RUN, duration_of),
        };
        let run = prehook_engine::CheckRun::plan(&config.config, &targets, event, settings)
            .map_err(programming_error)?;
        Ok(Self { run })
    }

    /// What to do at `now_ms`.
    #[napi]
    pub fn next(&mut self, now_ms: f64) -> CheckStep {
        let now = duration_of(now_ms);
        let mut invokes = Vec::new();
        let wake = loop {
            match self.run.poll(now) {
                Action::Invoke { id, request } => invokes.push(InvokeArgs {
                    id: id as u32,
                    function: request.function,
                    qualifier: request.qualifier,
                    payload: String::from_utf8_lossy(&request.payload).into_owned(),
                    client_context: request.client_context,
                    timeout_ms: u32::try_from(request.timeout.as_millis()).unwrap_or(u32::MAX),
                }),
                Action::WaitUntil(at) => break Some(at),
                Action::Done => break None,
            }
        };
        // `prehook check` prints results, not attempts.
        self.run.drain_attempts().for_each(drop);
        CheckStep {
            invokes,
            wake_at_ms: wake.map(|at| at.as_secs_f64() * 1000.0),
            done: wake.is_none(),
        }
    }

    /// Attempt `id` got `reply` at `now_ms`; false when it is no longer awaited (timed out).
    #[napi]
    pub fn complete(&mut self, id: u32, now_ms: f64, reply: InvokeReply) -> bool {
        let response = InvokeResponse {
            function_error: reply.function_error,
            payload: reply.payload.into_bytes(),
        };
        self.run
            .on_response(u64::from(id), duration_of(now_ms), &response)
    }

    /// The invoke of attempt `id` failed at `now_ms` with `reason`
    /// (`AccessDeniedException: ...`); false when it is no longer awaited.
    #[napi]
    pub fn fail(&mut self, id: u32, now_ms: f64, reason: String) -> bool {
        self.run
            .on_error(u64::from(id), duration_of(now_ms), &reason)
    }

    /// The secret references of the planned checks, each once: resolve each and hand it over
    /// with `resolveSecret` before the first `next`.
    #[napi]
    pub fn secret_references(&self) -> Vec<SecretReference> {
        self.run
            .secret_references()
            .into_iter()
            .map(|reference| {
                let name = reference.to_string();
                match reference {
                    SecretRef::Ssm { ssm } => SecretReference {
                        name,
                        ssm: Some(ssm),
                        secrets_manager: None,
                        key: None,
                    },
                    SecretRef::SecretsManager {
                        secrets_manager,
                        key,
                    } => SecretReference {
                        name,
                        ssm: None,
                        secrets_manager: Some(secrets_manager),
                        key,
                    },
                }
            })
            .collect()
    }

    /// The value of the reference `name`, or the error that kept it from being read (a value
    /// without an error counts; neither is an error). False for a name the run does not use.
    #[napi]
    pub fn resolve_secret(&mut self, name: String, resolution: SecretResolution) -> bool {
        let Some(reference) = self
            .run
            .secret_references()
            .into_iter()
            .find(|r| r.to_string() == name)
        else {
            return false;
        };
        let value = match resolution {
            SecretResolution {
                value: Some(value),
                error: None,
            } => Ok(value),
            SecretResolution {
                error: Some(error), ..
            } => Err(Error::SecretStore(error)),
            SecretResolution {
                value: None,
                error: None,
            } => Err(Error::SecretMissing),
        };
        self.run.resolve_secret(&reference, value);
        true
    }

    /// Each check's result, in plan order (once `next` said done).
    #[napi]
    pub fn reports(&self) -> Vec<CheckReport> {
        self.run
            .results()
            .into_iter()
            .map(|result| CheckReport {
                function: result.function,
                key: result.key,
                qualifier: result.qualifier,
                check: result.check,
                passed: result.passed,
                status: result.status.map(u32::from),
                duration_ms: result.duration_ms as f64,
                attempts: result.attempts,
                reason: result.reason,
            })
            .collect()
    }
}

/// Milliseconds from JS (fractional, from `performance.now()`) as a duration; a negative or
/// non-finite value as zero.
fn duration_of(ms: f64) -> Duration {
    if ms.is_finite() && ms > 0.0 {
        Duration::from_secs_f64(ms / 1000.0)
    } else {
        Duration::ZERO
    }
}
