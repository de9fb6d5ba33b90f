//! A rehearsal: one CodeDeploy BeforeAllowTraffic (or AfterAllowTraffic) invocation of a real
//! `bootstrap`, offline, as the hook function of that event (its name and environment).
//!
//! The binary runs as Lambda would run it (Runtime API, environment), reads the AppSpec from a
//! local CodeDeploy, invokes the function through whatever Lambda endpoint is given (a local
//! `serverless-offline`, or [`crate::LocalLambda`]) and reports to the local CodeDeploy.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use crate::codedeploy::LocalCodeDeploy;
use crate::runtime::{LocalRuntime, RuntimeResult};

pub const DEPLOYMENT_ID: &str = "d-REHEARSAL1";
pub const EXECUTION_ID: &str = "rehearsal-hook-execution";
pub const APPLICATION: &str = "prehook-rehearsal";
/// The hook's function name, in its environment and in the AppSpec's `Hooks`, unless
/// [`Options::hook_function`] names another.
pub const HOOK_FUNCTION: &str = "prehook-rehearsal-hook";
pub const BEFORE_ALLOW_TRAFFIC: &str = "BeforeAllowTraffic";
pub const AFTER_ALLOW_TRAFFIC: &str = "AfterAllowTraffic";

#[derive(Debug, Clone)]
pub struct Options {
    pub bootstrap: PathBuf,
    pub config: PathBuf,
    pub function: String,
    pub version: String,
    pub alias: String,
    pub current_version: Option<String>,
    pub lambda_endpoint: String,
    /// The hook invocation's deadline, as Lambda's function timeout.
    pub timeout: Duration,
    /// The lifecycle event invoked: [`BEFORE_ALLOW_TRAFFIC`] or [`AFTER_ALLOW_TRAFFIC`].
    pub event: String,
    /// The invoked hook's function name (`AWS_LAMBDA_FUNCTION_NAME`).
    pub hook_function: String,
    /// The hook's own environment, as its function configuration sets it
    /// (`PREHOOK_LIFECYCLE_EVENT`).
    pub hook_env: Vec<(String, String)>,
    /// The AppSpec's `Hooks` as (event, function); empty: [`Options::hook_function`] as the hook
    /// of [`Options::event`].
    pub hooks: Vec<(String, String)>,
}

/// What happened, as CodeDeploy and the hook's logs saw it.
#[derive(Debug, Clone, Default)]
pub struct Rehearsal {
    /// The status CodeDeploy received, if any.
    pub status: Option<String>,
    /// How many statuses CodeDeploy accepted: 1 when all is well.
    pub reports: usize,
    /// The hook's `verdict` log line.
    pub verdict: Option<Value>,
    /// The hook's `check attempt` log lines.
    pub attempts: Vec<Value>,
    /// Every other output line of the hook.
    pub other_lines: Vec<String>,
    /// What the hook returned to the Runtime API.
    pub result: Option<RuntimeResult>,
    /// What the hook posted to `/runtime/init/error`.
    pub init_error: Option<String>,
}

impl Rehearsal {
    pub fn reason(&self) -> Option<&str> {
        self.verdict.as_ref()?.get("reason")?.as_str()
    }

    /// `verdict: Succeeded` or `verdict: Failed (reason)`.
    pub fn verdict_line(&self) -> String {
        match (&self.status, self.reason()) {
            (Some(status), Some(reason)) => format!("verdict: {status} ({reason})"),
            (Some(status), None) => format!("verdict: {status}"),
            (None, _) => {
                let why = self
                    .init_error
                    .clone()
                    .or_else(|| match &self.result {
                        Some(RuntimeResult::Error(body)) => {
                            Some(String::from_utf8_lossy(body).into_owned())
                        }
                        _ => None,
                    })
                    .unwrap_or_else(|| "the hook reported no status".into());
                format!("verdict: none ({why})")
            }
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "status": self.status,
            "reason": self.reason(),
            "reports": self.reports,
            "checks": self.attempts,
            "verdict": self.verdict,
            "hookResult": match &self.result {
                Some(RuntimeResult::Response(_)) => json!("response"),
                Some(RuntimeResult::Error(_)) => json!("error"),
                None => Value::Null,
            },
            "initError": self.init_error,
        })
    }
}

/// The AppSpec CloudFormation writes for one function moving to `version`.
pub fn appspec(options: &Options) -> String {
    let mut properties = json!({
        "Name": options.function,
        "Alias": options.alias,
        "TargetVersion": options.version,
    });
    if let Some(current) = &options.current_version {
        properties["CurrentVersion"] = json!(current);
    }
    let hooks: Vec<Value> = if options.hooks.is_empty() {
        vec![json!({&options.event: options.hook_function})]
    } else {
        options
            .hooks
            .iter()
            .map(|(event, function)| json!({event: function}))
            .collect()
    };
    json!({
        "version": 0.0,
        "Resources": [{"RehearsedLambdaFunction": {"Type": "AWS::Lambda::Function", "Properties": properties}}],
        "Hooks": hooks,
    })
    .to_string()
}

/// One line of the hook's output in human form, or `None` for lines shown at the end.
pub fn describe_line(line: &str) -> Option<String> {
    let Ok(value) = serde_json::from_str::<Value>(line) else {
        return Some(format!("  | {line}"));
    };
    let text = |key: &str| value.get(key).and_then(Value::as_str).unwrap_or_default();
    match text("msg") {
        "check attempt" => {
            let passed = value.get("passed").and_then(Value::as_bool) == Some(true);
            let status = value
                .get("status")
                .and_then(Value::as_u64)
                .map(|s| format!("{s} "))
                .unwrap_or_default();
            let duration = value.get("durationMs").and_then(Value::as_u64).unwrap_or(0);
            let attempt = value.get("attempt").and_then(Value::as_u64).unwrap_or(1);
            let mut shown = format!(
                "  {} {}:{} {} (attempt {attempt}): {status}in {duration} ms",
                if passed { "PASS" } else { "FAIL" },
                text("function"),
                text("version"),
                text("check"),
            );
            if !passed {
                shown.push_str(&format!(" - {}", text("reason")));
                if !text("excerpt").is_empty() {
                    shown.push_str(&format!(" [{}]", text("excerpt")));
                }
            }
            Some(shown)
        }
        "verdict" | "first deploy" => None,
        msg => Some(format!("  [{}] {msg} {}", text("level"), value)),
    }
}

/// Starts the `bootstrap` as Lambda would start function `function_name` under `runtime`, with
/// the local endpoints given (`AWS_ENDPOINT_URL_*`), test credentials, and none of the
/// developer's own AWS settings; returns the process and its stdout, line by line. Both
/// rehearsals (a CodeDeploy hook, the first-deploy gate) start it this way.
pub(crate) fn spawn_hook(
    options: &Options,
    function_name: &str,
    runtime: &LocalRuntime,
    endpoints: &[(&str, String)],
    hook_env: &[(String, String)],
) -> std::io::Result<(Child, mpsc::UnboundedReceiver<String>)> {
    let mut child = Command::new(&options.bootstrap)
        .env("AWS_LAMBDA_RUNTIME_API", runtime.address())
        .envs(endpoints.iter().map(|(k, v)| (*k, v)))
        .env("AWS_ACCESS_KEY_ID", "rehearsal")
        .env("AWS_SECRET_ACCESS_KEY", "rehearsal")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        // A developer's own AWS profile must play no part in a rehearsal.
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("PREHOOK_CONFIG")
        .env_remove("PREHOOK_LIFECYCLE_EVENT")
        .envs(hook_env.iter().map(|(k, v)| (k, v)))
        .env("PREHOOK_CONFIG_FILE", &options.config)
        .env("AWS_LAMBDA_FUNCTION_NAME", function_name)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env(
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{function_name}"),
        )
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "rehearsal")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("cannot run {}: {e}", options.bootstrap.display()),
            )
        })?;
    let stdout = child.stdout.take().expect("piped stdout");
    let (sender, lines) = mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        let mut reader = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = reader.next_line().await {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    Ok((child, lines))
}

/// What became of one invocation of a `bootstrap` [`spawn_hook`] started, as [`watch_hook`] saw it.
pub(crate) struct HookRun {
    /// What the hook answered the Runtime API; `None` if it did not in time.
    pub result: Option<RuntimeResult>,
    /// What it reported to `/init/error`, if its start failed.
    pub init_error: Option<String>,
}

/// Follows invocation `id` of a hook [`spawn_hook`] started, handing each output line to
/// `on_line`, until the hook answered (then 300 ms more for its last lines), `reported()` says
/// the hook reported elsewhere (then up to 5 s more for its answer), its start failed, its
/// output ended, or `give_up`. Then stops it and hands over the lines still unread.
pub(crate) async fn watch_hook(
    mut child: Child,
    mut lines: mpsc::UnboundedReceiver<String>,
    runtime: &LocalRuntime,
    id: &str,
    give_up: Instant,
    mut on_line: impl FnMut(&str),
    mut reported: impl FnMut() -> bool,
) -> HookRun {
    let mut run = HookRun {
        result: None,
        init_error: None,
    };
    let mut settle_by: Option<Instant> = None;
    let mut closed = false;
    loop {
        match tokio::time::timeout(Duration::from_millis(50), lines.recv()).await {
            Ok(Some(line)) => on_line(&line),
            Ok(None) => closed = true,
            Err(_) => {}
        }
        if settle_by.is_none() && reported() {
            settle_by = Some(Instant::now() + Duration::from_secs(5));
        }
        if run.result.is_none() {
            run.result = runtime.wait_result(id, Duration::ZERO).await;
            if run.result.is_some() {
                // The hook answered: its last lines are already written or about to be.
                settle_by = Some(Instant::now() + Duration::from_millis(300));
            }
        }
        if let Some(error) = runtime.init_error() {
            run.init_error = Some(String::from_utf8_lossy(&error).into_owned());
            break;
        }
        let now = Instant::now();
        if closed || now >= give_up || settle_by.is_some_and(|t| now >= t) {
            break;
        }
    }
    let _ = child.kill().await;
    while let Ok(line) = lines.try_recv() {
        on_line(&line);
    }
    run
}

/// Runs the rehearsal; `on_line` sees each output line of the hook as it comes.
pub async fn rehearse(
    options: &Options,
    mut on_line: impl FnMut(&str),
) -> std::io::Result<Rehearsal> {
    let codedeploy = LocalCodeDeploy::start().await?;
    codedeploy.add_deployment(DEPLOYMENT_ID, APPLICATION, &appspec(options));
    let runtime = LocalRuntime::start().await?;

    let (child, lines) = spawn_hook(
        options,
        &options.hook_function,
        &runtime,
        &[
            ("AWS_ENDPOINT_URL_CODEDEPLOY", codedeploy.url()),
            ("AWS_ENDPOINT_URL_LAMBDA", options.lambda_endpoint.clone()),
        ],
        &options.hook_env,
    )?;

    let event =
        json!({"DeploymentId": DEPLOYMENT_ID, "LifecycleEventHookExecutionId": EXECUTION_ID});
    let id = runtime.invoke(&event, options.timeout);
    let mut rehearsal = Rehearsal::default();
    // Generous margins past the deadline: a hook that overruns is itself what we want to see.
    let give_up = Instant::now() + options.timeout + Duration::from_secs(5);
    let run = watch_hook(
        child,
        lines,
        &runtime,
        &id,
        give_up,
        |line| record(&mut rehearsal, line, &mut on_line),
        || !codedeploy.reports().is_empty(),
    )
    .await;
    rehearsal.result = run.result;
    rehearsal.init_error = run.init_error;
    let reports = codedeploy.reports();
    rehearsal.reports = reports.len();
    rehearsal.status = reports.first().map(|r| r.status.clone());
    Ok(rehearsal)
}

fn record(rehearsal: &mut Rehearsal, line: &str, on_line: &mut impl FnMut(&str)) {
    on_line(line);
    match serde_json::from_str::<Value>(line) {
        Ok(value) if value.get("msg") == Some(&json!("check attempt")) => {
            rehearsal.attempts.push(value)
        }
        Ok(value) if value.get("msg") == Some(&json!("verdict")) => rehearsal.verdict = Some(value),
        _ => rehearsal.other_lines.push(line.to_owned()),
    }
}
