//! `serverless prehook check`: the plugin's JS performs each Lambda Invoke (deployed or
//! under serverless-offline), prehook-engine decides events, attempts, timeouts and verdicts.

use std::time::{Duration, Instant};

use napi::bindgen_prelude::Promise;
use napi::threadsafe_function::ThreadsafeFunction;
use napi_derive::napi;
use prehook_core::{HookConfig, LifecycleEvent};
use prehook_engine::{
    Attempt, Backoff, DEFAULT_CONCURRENCY, InvokeRequest, InvokeResponse, Invoker, PlannedCheck,
    Progress, Run, run_checks as engine_run_checks,
};

/// Longest a run may take: Lambda's own maximum, the longest a hook could ever check.
const RUN_LIMIT: Duration = Duration::from_secs(900);

/// A function the run checks, by deployed name.
#[napi(object)]
pub struct SelectedFunction {
    /// The deployed name (`website-dev-website`).
    pub function: String,
    /// The serverless.yml key (`website`).
    pub key: String,
}

/// What [`select_functions`] returns: the functions, or why there are none.
#[napi(object)]
pub struct Selection {
    pub ok: bool,
    pub functions: Vec<SelectedFunction>,
    pub error: Option<String>,
}

/// The checked functions of `hook_config_json` (`prehook.json`) that `names` name (keys or
/// deployed names); all of them when `names` is empty.
#[napi]
pub fn select_functions(
    hook_config_json: String,
    names: Vec<String>,
    lifecycle_event: Option<String>,
) -> Selection {
    let selected = HookConfig::from_json(&hook_config_json)
        .map_err(|e| e.to_string())
        .and_then(|config| {
            let event = lifecycle_event_of(lifecycle_event.as_deref())?;
            prehook_engine::select_functions(&config, &names, event).map(|functions| {
                functions
                    .iter()
                    .map(|(deployed, f)| SelectedFunction {
                        function: (*deployed).to_owned(),
                        key: f.key.clone(),
                    })
                    .collect::<Vec<_>>()
            })
        });
    match selected {
        Ok(functions) => Selection {
            ok: true,
            functions,
            error: None,
        },
        Err(error) => Selection {
            ok: false,
            functions: Vec::new(),
            error: Some(error),
        },
    }
}

/// `BeforeAllowTraffic` (the default: the pre-traffic `checks`) or `AfterAllowTraffic`.
fn lifecycle_event_of(name: Option<&str>) -> Result<LifecycleEvent, String> {
    match name {
        None => Ok(LifecycleEvent::BeforeAllowTraffic),
        Some(name) => LifecycleEvent::from_name(name).ok_or_else(|| {
            format!(
                "unknown lifecycle event {name:?}: expected BeforeAllowTraffic or AfterAllowTraffic"
            )
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

/// One Invoke the JS callback performs.
#[napi(object)]
pub struct InvokeArgs {
    pub function: String,
    pub qualifier: String,
    /// The event, as JSON text.
    pub payload: String,
    /// Base64 JSON `ClientContext` (raw checks).
    pub client_context: Option<String>,
    /// The engine gives up on the attempt after this; the callback may abort its call then.
    pub timeout_ms: u32,
}

/// What the JS callback's promise resolves to; a rejection is a failed invoke.
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

type InvokeCallback =
    ThreadsafeFunction<InvokeArgs, Promise<InvokeReply>, InvokeArgs, napi::Status, false>;

struct JsInvoker(InvokeCallback);

impl Invoker for JsInvoker {
    /// The rejection as JS prints it (`AccessDeniedException: ...`), without napi's status.
    type Error = String;

    async fn invoke(&self, request: InvokeRequest) -> Result<InvokeResponse, String> {
        let args = InvokeArgs {
            function: request.function,
            qualifier: request.qualifier,
            payload: String::from_utf8_lossy(&request.payload).into_owned(),
            client_context: request.client_context,
            timeout_ms: u32::try_from(request.timeout.as_millis()).unwrap_or(u32::MAX),
        };
        let reply = match self.0.call_async(args).await {
            Ok(promise) => promise.await,
            Err(error) => Err(error),
        }
        .map_err(|error| error.reason.clone())?;
        Ok(InvokeResponse {
            function_error: reply.function_error,
            payload: reply.payload.into_bytes(),
        })
    }
}

/// Runs the checks of `targets` as the hook would: same events, attempts, timeouts and
/// evaluation, in config order; `invoke` performs each Lambda Invoke and resolves to its answer.
/// `lifecycle_event` picks the list: `BeforeAllowTraffic` (the default, `checks`) or
/// `AfterAllowTraffic` (`afterTraffic`).
#[napi]
pub async fn run_checks(
    hook_config_json: String,
    targets: Vec<CheckTarget>,
    invoke: InvokeCallback,
    lifecycle_event: Option<String>,
) -> napi::Result<Vec<CheckReport>> {
    let config = HookConfig::from_json(&hook_config_json)
        .map_err(|e| napi::Error::from_reason(e.to_string()))?;
    let event = lifecycle_event_of(lifecycle_event.as_deref()).map_err(napi::Error::from_reason)?;
    let mut plan = Vec::new();
    for target in &targets {
        let Some((function, checks)) = config.functions.get_key_value(&target.function) else {
            return Err(napi::Error::from_reason(format!(
                "no checks configured for function {}",
                target.function
            )));
        };
        plan.extend(checks.checks_for(event).iter().map(|check| PlannedCheck {
            function,
            version: &target.qualifier,
            checks,
            check,
        }));
    }
    let progress = Progress::default();
    let run_id = format!("check-{}", std::process::id());
    let run = Run {
        invoker: &JsInvoker(invoke),
        run_id: &run_id,
        cutoff: Instant::now() + RUN_LIMIT,
        backoff: Backoff::default(),
        progress: &progress,
        observer: &|_: &Attempt<'_>| {},
    };
    let results = engine_run_checks(&run, &plan, DEFAULT_CONCURRENCY).await;
    Ok(plan
        .iter()
        .zip(results)
        .map(|(planned, result)| CheckReport {
            function: planned.function.to_owned(),
            key: planned.checks.key.clone(),
            qualifier: planned.version.to_owned(),
            check: planned.check.name.clone(),
            passed: result.passed,
            status: result.status.map(u32::from),
            duration_ms: result.duration_ms as f64,
            attempts: result.attempts,
            reason: result.reason,
        })
        .collect())
}
