//! Runs one hook process as Lambda runs it and times what CodeDeploy and the Runtime API see.
//!
//! Every instant is taken by the local endpoints themselves (when a request arrived), so the
//! driver's own polling adds nothing to a figure.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use prehook_localaws::StatusReport;
use tokio::process::{Child, Command};

use crate::scenario::{Endpoints, HEALTHCHECK_PATH, TARGET_VERSION, function_names};

/// Longest wait for anything a hook should do; a hook that takes longer is broken, not slow.
const PATIENCE: Duration = Duration::from_secs(120);

/// A hook under test: a command run in its task root, as Lambda runs `bootstrap` or a runtime.
#[derive(Debug, Clone)]
pub struct HookCmd {
    pub name: String,
    pub task_root: PathBuf,
    pub program: String,
    pub args: Vec<String>,
}

impl HookCmd {
    /// `NAME@TASK_ROOT=PROGRAM ARG...` (whitespace-separated words).
    pub fn parse(spec: &str) -> Result<Self, String> {
        let bad = || format!("--hook {spec:?}: expected NAME@TASK_ROOT=PROGRAM [ARG...]");
        let (name, rest) = spec.split_once('@').ok_or_else(bad)?;
        let (task_root, command) = rest.split_once('=').ok_or_else(bad)?;
        let mut words = command.split_whitespace().map(str::to_owned);
        let program = words.next().ok_or_else(bad)?;
        if name.is_empty() || task_root.is_empty() {
            return Err(bad());
        }
        Ok(Self {
            name: name.into(),
            task_root: task_root.into(),
            program,
            args: words.collect(),
        })
    }
}

/// One process's cold invocation then a warm one.
#[derive(Debug, Clone)]
pub struct ColdWarm {
    /// Spawn to the first `GET /invocation/next`.
    pub init_ms: f64,
    /// Spawn to the status reported, the event already waiting.
    pub cold_ms: f64,
    /// Second event queued (the process already polling) to its status reported.
    pub warm_ms: f64,
    /// VmHWM after both invocations.
    pub peak_rss_kb: f64,
    /// The Invoke payload the hook sent, for the floor client to replay.
    pub payload: Vec<u8>,
}

/// A running hook process; killed when dropped.
struct Running {
    child: Child,
    started: Instant,
}

impl Running {
    async fn spawn(
        hook: &HookCmd,
        endpoints: &Endpoints,
        config: &Path,
        log: &Path,
    ) -> Result<Self, String> {
        let log = File::options()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| format!("{}: {e}", log.display()))?;
        let err_log = log.try_clone().map_err(|e| e.to_string())?;
        let mut command = Command::new(&hook.program);
        command
            .args(&hook.args)
            .current_dir(&hook.task_root)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("LANG", "C.UTF-8")
            .env("AWS_LAMBDA_RUNTIME_API", endpoints.runtime.address())
            .env("AWS_ENDPOINT_URL_CODEDEPLOY", endpoints.codedeploy.url())
            .env("AWS_ENDPOINT_URL_LAMBDA", endpoints.lambda.url())
            .env("AWS_ACCESS_KEY_ID", "bench")
            .env("AWS_SECRET_ACCESS_KEY", "bench")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            // A developer's own AWS files must play no part.
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("LAMBDA_TASK_ROOT", &hook.task_root)
            .env("PREHOOK_CONFIG_FILE", config)
            .env("AWS_LAMBDA_FUNCTION_NAME", "bench-hook")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench-hook")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err_log)
            .kill_on_drop(true);
        let started = Instant::now();
        let child = command
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", hook.program))?;
        Ok(Self { child, started })
    }

    /// The process's peak resident set so far, from the kernel's high-water mark.
    fn peak_rss_kb(&self) -> Result<f64, String> {
        let pid = self.child.id().ok_or("the hook process already exited")?;
        let status =
            std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| e.to_string())?;
        vm_hwm_kb(&status).ok_or_else(|| "no VmHWM in /proc/PID/status".into())
    }

    async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

pub fn vm_hwm_kb(status: &str) -> Option<f64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

fn ms(from: Instant, to: Instant) -> f64 {
    to.saturating_duration_since(from).as_secs_f64() * 1000.0
}

/// Waits for the `count`th status report and checks it says Succeeded.
async fn report(endpoints: &Endpoints, count: usize, what: &str) -> Result<StatusReport, String> {
    let reports = endpoints.codedeploy.wait_for_reports(count, PATIENCE).await;
    let Some(report) = reports.get(count - 1).cloned() else {
        return Err(format!("{what}: no status reported within {PATIENCE:?}"));
    };
    if report.status != "Succeeded" {
        return Err(format!(
            "{what}: reported {} instead of Succeeded",
            report.status
        ));
    }
    Ok(report)
}

/// Checks the hook really invoked each function's target version with `GET /healthcheck`.
fn verify_invocations(
    endpoints: &Endpoints,
    functions: &[String],
    each: usize,
    what: &str,
) -> Result<(), String> {
    for function in functions {
        let calls = endpoints.lambda.calls_of(function);
        if calls.len() != each {
            return Err(format!(
                "{what}: {function} invoked {} times, expected {each}",
                calls.len()
            ));
        }
        for call in calls {
            let event = call.json();
            if call.qualifier.as_deref() != Some(TARGET_VERSION)
                || event["httpMethod"] != "GET"
                || event["path"] != HEALTHCHECK_PATH
            {
                return Err(format!(
                    "{what}: {function} invoked with qualifier {:?}, {} {}",
                    call.qualifier, event["httpMethod"], event["path"]
                ));
            }
        }
    }
    Ok(())
}

/// Waits for the `nth` status report (Succeeded), then until the hook answered the Runtime API
/// for `request_id` and polls for the next event: one invocation served, the process idle again.
async fn served(
    endpoints: &Endpoints,
    request_id: &str,
    nth: usize,
    what: &str,
) -> Result<StatusReport, String> {
    let status = report(endpoints, nth, what).await?;
    if endpoints
        .runtime
        .wait_result(request_id, PATIENCE)
        .await
        .is_none()
    {
        return Err(format!("{what}: the hook never answered the Runtime API"));
    }
    if !endpoints.runtime.wait_polls(nth + 1, PATIENCE).await {
        return Err(format!("{what}: the hook did not poll for the next event"));
    }
    Ok(status)
}

/// Cold start (the event waiting when the process starts, as Lambda's first invocation) then a
/// second, warm invocation in the same process.
pub async fn cold_warm(hook: &HookCmd, work: &Path) -> Result<ColdWarm, String> {
    let endpoints = Endpoints::start().await.map_err(|e| e.to_string())?;
    let functions = function_names("bench-website", 1);
    endpoints.deploy("d-BENCH0001", "bench-app", &functions, Duration::ZERO);
    let config = write_config(work, "cold-warm", &functions)?;
    let cold_id = endpoints.invoke_hook("d-BENCH0001", "exec-cold");
    let process = Running::spawn(
        hook,
        &endpoints,
        &config,
        &work.join(format!("{}.log", hook.name)),
    )
    .await?;
    let what = format!("{} cold", hook.name);
    let cold = served(&endpoints, &cold_id, 1, &what).await?;
    let init = *endpoints
        .runtime
        .polls()
        .first()
        .ok_or("no poll before the report")?;
    verify_invocations(&endpoints, &functions, 1, &what)?;

    let queued = Instant::now();
    let warm_id = endpoints.invoke_hook("d-BENCH0001", "exec-warm");
    let what = format!("{} warm", hook.name);
    let warm = served(&endpoints, &warm_id, 2, &what).await?;
    verify_invocations(&endpoints, &functions, 2, &what)?;

    let peak_rss_kb = process.peak_rss_kb()?;
    let payload = endpoints.lambda.calls_of(&functions[0])[0].payload.to_vec();
    let started = process.started;
    process.stop().await;
    Ok(ColdWarm {
        init_ms: ms(started, init),
        cold_ms: ms(started, cold.at),
        warm_ms: ms(queued, warm.at),
        peak_rss_kb,
        payload,
    })
}

/// Time to verdict for one AppSpec moving `count` functions whose check each takes `delay`,
/// in a warm process (a first one-function deployment warms it up, as in Lambda after the
/// first deploy of the day).
pub async fn scaling(
    hook: &HookCmd,
    work: &Path,
    count: usize,
    delay: Duration,
) -> Result<f64, String> {
    let endpoints = Endpoints::start().await.map_err(|e| e.to_string())?;
    let warmup = function_names("bench-warmup", 1);
    let functions = function_names("bench-fn", count);
    endpoints.deploy("d-WARMUP01", "bench-warmup-app", &warmup, Duration::ZERO);
    endpoints.deploy("d-SCALE001", "bench-scale-app", &functions, delay);
    let all: Vec<String> = warmup.iter().chain(&functions).cloned().collect();
    let config = write_config(work, &format!("scaling-{count}"), &all)?;
    let warmup_id = endpoints.invoke_hook("d-WARMUP01", "exec-warmup");
    let process = Running::spawn(
        hook,
        &endpoints,
        &config,
        &work.join(format!("{}.log", hook.name)),
    )
    .await?;
    let what = format!("{} scaling {count} warm-up", hook.name);
    served(&endpoints, &warmup_id, 1, &what).await?;

    let queued = Instant::now();
    let scale_id = endpoints.invoke_hook("d-SCALE001", "exec-scale");
    let what = format!("{} scaling {count}", hook.name);
    let done = served(&endpoints, &scale_id, 2, &what).await?;
    verify_invocations(&endpoints, &functions, 1, &what)?;
    process.stop().await;
    Ok(ms(queued, done.at))
}

fn write_config(work: &Path, name: &str, functions: &[String]) -> Result<PathBuf, String> {
    let path = work.join(format!("prehook-{name}.json"));
    std::fs::write(&path, crate::scenario::ours_config(functions).to_string())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_high_water_mark() {
        let status =
            "Name:\tbootstrap\nVmPeak:\t   20000 kB\nVmHWM:\t    5120 kB\nVmRSS:\t    4000 kB\n";
        assert_eq!(vm_hwm_kb(status), Some(5120.0));
        assert_eq!(vm_hwm_kb("Name:\tx\n"), None);
    }

    #[test]
    fn parses_a_hook_command() {
        let hook = HookCmd::parse(
            "python@bench/peers/python=.venv/bin/python -m awslambdaric handler.handler",
        )
        .unwrap();
        assert_eq!(hook.name, "python");
        assert_eq!(hook.task_root, PathBuf::from("bench/peers/python"));
        assert_eq!(hook.program, ".venv/bin/python");
        assert_eq!(hook.args, ["-m", "awslambdaric", "handler.handler"]);
        assert!(HookCmd::parse("python=/usr/bin/python").is_err());
        assert!(HookCmd::parse("ours@dir=").is_err());
    }
}
