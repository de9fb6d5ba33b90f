//! `prehook-localaws rehearse ...`: run a built hook once against local AWS endpoints (with
//! `--first-deploy`: as CloudFormation's first-deploy gate of a new alias).
//! `prehook-localaws lambda ...`: serve a local Lambda API (Invoke, ListVersionsByFunction)
//! for one function until stdin closes, printing each call.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use prehook_localaws::rehearse::{
    AFTER_ALLOW_TRAFFIC, BEFORE_ALLOW_TRAFFIC, HOOK_FUNCTION, Options, Rehearsal, describe_line,
    rehearse,
};
use prehook_localaws::rehearse_first_deploy::{FirstDeployRehearsal, rehearse_first_deploy};

const USAGE: &str = "usage: prehook-localaws rehearse --bootstrap PATH --config PATH --function NAME \
--version N [--alias Live] [--current-version N] --lambda-endpoint URL [--timeout SECONDS] \
[--event BeforeAllowTraffic|AfterAllowTraffic] [--hook-function NAME] [--hook-env KEY=VALUE]... \
[--appspec-hook EVENT=FUNCTION]... [--first-deploy] [--expect Succeeded|Failed] [--json]";

struct Cli {
    options: Options,
    expect: Option<String>,
    json: bool,
    /// CloudFormation creating the first-deploy gate instead of a CodeDeploy hook invocation.
    first_deploy: bool,
}

fn parse(args: &[String]) -> Result<Cli, String> {
    let mut args = args.iter();
    match args.next().map(String::as_str) {
        Some("rehearse") => {}
        Some(other) => return Err(format!("unknown command {other:?}")),
        None => return Err("missing command".into()),
    }
    let value = |name: &str, args: &mut std::slice::Iter<'_, String>| {
        args.next()
            .cloned()
            .ok_or_else(|| format!("{name} needs a value"))
    };
    let (mut bootstrap, mut config, mut function, mut version, mut endpoint) =
        (None, None, None, None, None);
    let mut alias = "Live".to_owned();
    let mut event = BEFORE_ALLOW_TRAFFIC.to_owned();
    let mut hook_function = HOOK_FUNCTION.to_owned();
    let (mut hook_env, mut hooks) = (Vec::new(), Vec::new());
    let pair = |flag: &str, text: String| match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("{flag} takes KEY=VALUE, got {text:?}")),
    };
    let (mut current_version, mut expect, mut json, mut timeout) = (None, None, false, 60);
    let mut first_deploy = false;
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--bootstrap" => bootstrap = Some(PathBuf::from(value(flag, &mut args)?)),
            "--config" => config = Some(PathBuf::from(value(flag, &mut args)?)),
            "--function" => function = Some(value(flag, &mut args)?),
            "--version" => version = Some(value(flag, &mut args)?),
            "--alias" => alias = value(flag, &mut args)?,
            "--current-version" => current_version = Some(value(flag, &mut args)?),
            "--lambda-endpoint" => endpoint = Some(value(flag, &mut args)?),
            "--timeout" => {
                timeout = value(flag, &mut args)?
                    .parse()
                    .map_err(|_| "--timeout takes whole seconds".to_owned())?
            }
            "--expect" => {
                let status = value(flag, &mut args)?;
                if status != "Succeeded" && status != "Failed" {
                    return Err(format!(
                        "--expect takes Succeeded or Failed, got {status:?}"
                    ));
                }
                expect = Some(status);
            }
            "--event" => {
                event = value(flag, &mut args)?;
                if event != BEFORE_ALLOW_TRAFFIC && event != AFTER_ALLOW_TRAFFIC {
                    return Err(format!(
                        "--event takes {BEFORE_ALLOW_TRAFFIC} or {AFTER_ALLOW_TRAFFIC}, got {event:?}"
                    ));
                }
            }
            "--hook-function" => hook_function = value(flag, &mut args)?,
            "--hook-env" => hook_env.push(pair(flag, value(flag, &mut args)?)?),
            "--appspec-hook" => hooks.push(pair(flag, value(flag, &mut args)?)?),
            "--json" => json = true,
            "--first-deploy" => first_deploy = true,
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    let missing = |name: &str| format!("missing {name}");
    let config = config.ok_or_else(|| missing("--config"))?;
    let bootstrap = bootstrap.ok_or_else(|| missing("--bootstrap"))?;
    for (path, name) in [(&bootstrap, "--bootstrap"), (&config, "--config")] {
        if !path.is_file() {
            return Err(format!("{name} {}: no such file", path.display()));
        }
    }
    Ok(Cli {
        options: Options {
            bootstrap,
            // The hook reads it after changing nothing; an absolute path survives any cwd.
            config: std::fs::canonicalize(&config).unwrap_or(config),
            function: function.ok_or_else(|| missing("--function"))?,
            version: version.ok_or_else(|| missing("--version"))?,
            alias,
            current_version,
            lambda_endpoint: endpoint.ok_or_else(|| missing("--lambda-endpoint"))?,
            timeout: Duration::from_secs(timeout),
            event,
            hook_function,
            hook_env,
            hooks,
        },
        expect,
        json,
        first_deploy,
    })
}

/// What the two rehearsals end with, for [`finish`].
trait Ending {
    /// The document `--json` prints.
    fn to_json(&self) -> serde_json::Value;
    /// The lines printed otherwise: the verdict, and a warning when the service got more than one.
    fn summary(&self) -> Vec<String>;
    /// `Succeeded` or `Failed` as the service waiting on the hook got it (`None`: nothing), and
    /// that service's name.
    fn verdict(&self) -> (Option<&str>, &'static str);
}

impl Ending for Rehearsal {
    fn to_json(&self) -> serde_json::Value {
        Rehearsal::to_json(self)
    }
    fn summary(&self) -> Vec<String> {
        let mut lines = vec![self.verdict_line()];
        if self.reports > 1 {
            lines.push(format!(
                "warning: CodeDeploy received {} statuses",
                self.reports
            ));
        }
        lines
    }
    fn verdict(&self) -> (Option<&str>, &'static str) {
        (self.status.as_deref(), "CodeDeploy")
    }
}

/// `--first-deploy`: `Succeeded` for a SUCCESS response, `Failed` for FAILED.
impl Ending for FirstDeployRehearsal {
    fn to_json(&self) -> serde_json::Value {
        FirstDeployRehearsal::to_json(self)
    }
    fn summary(&self) -> Vec<String> {
        let mut lines = vec![self.response_line()];
        if self.uploads > 1 {
            lines.push(format!(
                "warning: CloudFormation received {} responses",
                self.uploads
            ));
        }
        lines
    }
    fn verdict(&self) -> (Option<&str>, &'static str) {
        let status = self.status().map(|s| {
            if s == "SUCCESS" {
                "Succeeded"
            } else {
                "Failed"
            }
        });
        (status, "CloudFormation")
    }
}

/// Prints the hook's lines as they come (not with `--json`).
fn show_lines(json: bool) -> impl FnMut(&str) {
    move |line| {
        if let Some(shown) = describe_line(line).filter(|_| !json) {
            println!("{shown}");
        }
    }
}

/// Prints how a rehearsal ended; exits 0 as expected (or with no `--expect`), 1 otherwise, 2 when
/// it could not run or nothing was reported.
fn finish(cli: &Cli, rehearsal: std::io::Result<impl Ending>) -> ExitCode {
    let rehearsal = match rehearsal {
        Ok(r) => r,
        Err(e) => {
            eprintln!("prehook-localaws: {e}");
            return ExitCode::from(2);
        }
    };
    if cli.json {
        println!("{}", rehearsal.to_json());
    } else {
        for line in rehearsal.summary() {
            println!("{line}");
        }
    }
    match (rehearsal.verdict(), &cli.expect) {
        ((None, _), _) => ExitCode::from(2),
        ((Some(status), service), Some(expected)) if status != expected => {
            eprintln!("prehook-localaws: expected {expected}, {service} got {status}");
            ExitCode::from(1)
        }
        _ => ExitCode::SUCCESS,
    }
}

mod lambda_command;
mod secrets_command;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("lambda") {
        return lambda_command::run(&args[1..]).await;
    }
    if args.first().map(String::as_str) == Some("secrets") {
        return secrets_command::run(&args[1..]).await;
    }
    let cli = match parse(&args) {
        Ok(cli) => cli,
        Err(message) => {
            eprintln!("prehook-localaws: {message}\n{USAGE}");
            return ExitCode::from(64);
        }
    };
    if cli.first_deploy {
        let rehearsal = rehearse_first_deploy(&cli.options, show_lines(cli.json)).await;
        return finish(&cli, rehearsal);
    }
    let rehearsal = rehearse(&cli.options, show_lines(cli.json)).await;
    finish(&cli, rehearsal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    /// The flags scripts/rehearse and e2e/tests/sam.test.js pass.
    fn reads_the_flags_the_rehearsal_passes() {
        let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
        let cli = parse(&args(&format!(
            "rehearse --bootstrap {manifest} --config {manifest} --function svc-dev-web --version 7 \
             --current-version 6 --lambda-endpoint http://127.0.0.1:3002 --expect Failed --json"
        )))
        .unwrap();
        assert_eq!(
            (
                cli.options.function.as_str(),
                cli.options.version.as_str(),
                cli.options.alias.as_str()
            ),
            ("svc-dev-web", "7", "Live")
        );
        assert_eq!(cli.options.current_version.as_deref(), Some("6"));
        assert_eq!(cli.options.lambda_endpoint, "http://127.0.0.1:3002");
        assert_eq!(cli.expect.as_deref(), Some("Failed"));
        assert!(cli.json);
        assert_eq!(cli.options.timeout, Duration::from_secs(60));
        assert_eq!(cli.options.event, "BeforeAllowTraffic");
        let after = parse(&args(&format!(
            "rehearse --bootstrap {manifest} --config {manifest} --function f --version 2 \
             --lambda-endpoint http://127.0.0.1:3002 --event AfterAllowTraffic"
        )))
        .unwrap();
        assert_eq!(after.options.event, "AfterAllowTraffic");
        assert!(!after.first_deploy);
        let gate = parse(&args(&format!(
            "rehearse --bootstrap {manifest} --config {manifest} --function f --version 1 \
             --lambda-endpoint http://127.0.0.1:3002 --first-deploy --expect Failed"
        )))
        .unwrap();
        assert!(gate.first_deploy);
        assert_eq!(after.options.hook_function, HOOK_FUNCTION);
        let post = parse(&args(&format!(
            "rehearse --bootstrap {manifest} --config {manifest} --function f --version 2 \
             --lambda-endpoint http://127.0.0.1:3002 --event AfterAllowTraffic \
             --hook-function svc-dev-preHookPost --hook-env PREHOOK_LIFECYCLE_EVENT=AfterAllowTraffic \
             --appspec-hook BeforeAllowTraffic=svc-dev-preHook --appspec-hook AfterAllowTraffic=svc-dev-preHookPost"
        )))
        .unwrap();
        assert_eq!(post.options.hook_function, "svc-dev-preHookPost");
        assert_eq!(
            post.options.hook_env,
            [(
                "PREHOOK_LIFECYCLE_EVENT".to_owned(),
                "AfterAllowTraffic".to_owned()
            )]
        );
        assert_eq!(
            post.options.hooks,
            [
                (
                    "BeforeAllowTraffic".to_owned(),
                    "svc-dev-preHook".to_owned()
                ),
                (
                    "AfterAllowTraffic".to_owned(),
                    "svc-dev-preHookPost".to_owned()
                )
            ]
        );
    }

    #[test]
    fn bad_invocations_say_what_is_wrong() {
        let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
        let err = |text: String| parse(&args(&text)).err().unwrap();
        assert_eq!(err("serve".into()), "unknown command \"serve\"");
        assert_eq!(
            err(format!(
                "rehearse --bootstrap {manifest} --config {manifest}"
            )),
            "missing --function"
        );
        assert_eq!(
            err(format!(
                "rehearse --bootstrap /nonexistent --config {manifest}"
            )),
            "--bootstrap /nonexistent: no such file"
        );
        assert_eq!(
            err(format!(
                "rehearse --bootstrap {manifest} --config {manifest} --expect ok"
            )),
            "--expect takes Succeeded or Failed, got \"ok\""
        );
        assert_eq!(err("rehearse --version".into()), "--version needs a value");
        assert_eq!(
            err("rehearse --event AllowTraffic".into()),
            "--event takes BeforeAllowTraffic or AfterAllowTraffic, got \"AllowTraffic\""
        );
        assert_eq!(
            err("rehearse --hook-env PREHOOK_LIFECYCLE_EVENT".into()),
            "--hook-env takes KEY=VALUE, got \"PREHOOK_LIFECYCLE_EVENT\""
        );
    }
}
