//! `prehook-bench`: runs our hook and its hand-written peers under the same local AWS endpoints
//! and writes every figure as JSON (bench/report.py turns it into the table and RESULTS.md).
//!
//! Runs are interleaved (run 1 of every hook, then run 2 of every hook...) so that whatever else
//! the machine does at a moment weighs on all hooks alike.

mod floor;
mod measure;
mod scenario;
mod stats;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use serde_json::{Map, Value, json};

use measure::HookCmd;
use stats::Summary;

const USAGE: &str = "usage: prehook-bench --out FILE --work DIR [--runs N] [--scaling-runs N] \
[--scaling 1,10,50] [--check-delay-ms 200] --hook NAME@TASK_ROOT=PROGRAM [ARG...] (the first hook is ours)";

#[derive(Debug)]
struct Cli {
    out: PathBuf,
    work: PathBuf,
    runs: usize,
    scaling_runs: usize,
    scaling: Vec<usize>,
    check_delay: Duration,
    hooks: Vec<HookCmd>,
}

fn parse(args: &[String]) -> Result<Cli, String> {
    let mut args = args.iter();
    let (mut out, mut work, mut hooks) = (None, None, Vec::new());
    let (mut runs, mut scaling_runs, mut scaling, mut delay) = (15, 5, vec![1, 10, 50], 200);
    let number = |flag: &str, value: Option<&String>| -> Result<usize, String> {
        value
            .and_then(|v| v.parse().ok())
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("{flag} takes a positive whole number"))
    };
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--out" => out = args.next().map(PathBuf::from),
            "--work" => work = args.next().map(PathBuf::from),
            "--runs" => runs = number(flag, args.next())?,
            "--scaling-runs" => scaling_runs = number(flag, args.next())?,
            "--check-delay-ms" => delay = number(flag, args.next())?,
            "--scaling" => {
                let list = args.next().ok_or("--scaling takes a list like 1,10,50")?;
                scaling = list
                    .split(',')
                    .map(|n| number("--scaling", Some(&n.trim().to_owned())))
                    .collect::<Result<_, _>>()?;
            }
            "--hook" => hooks.push(HookCmd::parse(args.next().ok_or("--hook needs a value")?)?),
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    if hooks.is_empty() {
        return Err("no --hook given".into());
    }
    Ok(Cli {
        out: out.ok_or("missing --out")?,
        work: work.ok_or("missing --work")?,
        runs,
        scaling_runs,
        scaling,
        check_delay: Duration::from_millis(delay as u64),
        hooks,
    })
}

fn summary(samples: &[f64]) -> Value {
    Summary::of(samples).map_or(Value::Null, |s| s.to_json(samples))
}

fn line(label: &str, samples: &[f64], unit: &str) {
    if let Some(s) = Summary::of(samples) {
        eprintln!(
            "  {label:<28} median {:>9.1} {unit}  ({:.1}-{:.1}, {} runs)",
            s.median, s.min, s.max, s.runs
        );
    }
}

async fn run(cli: &Cli) -> Result<Value, String> {
    std::fs::create_dir_all(&cli.work).map_err(|e| format!("{}: {e}", cli.work.display()))?;
    let names: Vec<&str> = cli.hooks.iter().map(|h| h.name.as_str()).collect();
    let mut init: Vec<Vec<f64>> = vec![Vec::new(); cli.hooks.len()];
    let (mut cold, mut warm, mut rss) = (init.clone(), init.clone(), init.clone());
    let mut floor_ms = Vec::new();
    let mut replay: Option<Vec<u8>> = None;

    for round in 1..=cli.runs {
        eprintln!("cold/warm round {round}/{}", cli.runs);
        for (i, hook) in cli.hooks.iter().enumerate() {
            let run = measure::cold_warm(hook, &cli.work).await?;
            init[i].push(run.init_ms);
            cold[i].push(run.cold_ms);
            warm[i].push(run.warm_ms);
            rss[i].push(run.peak_rss_kb / 1024.0);
            // The floor replays the Invoke payload our hook (the first) sends.
            replay.get_or_insert(run.payload);
        }
        if let Some(payload) = &replay {
            floor_ms.push(floor::floor(payload.clone()).await?);
        }
    }

    let mut scaling: Vec<Vec<Vec<f64>>> =
        vec![vec![Vec::new(); cli.scaling.len()]; cli.hooks.len()];
    for round in 1..=cli.scaling_runs {
        eprintln!("scaling round {round}/{}", cli.scaling_runs);
        for (k, count) in cli.scaling.iter().enumerate() {
            for (i, hook) in cli.hooks.iter().enumerate() {
                let ms = measure::scaling(hook, &cli.work, *count, cli.check_delay).await?;
                scaling[i][k].push(ms);
            }
        }
    }

    let mut hooks = Map::new();
    for (i, name) in names.iter().enumerate() {
        eprintln!("{name}");
        line("init (spawn to first poll)", &init[i], "ms");
        line("cold (spawn to status)", &cold[i], "ms");
        line("warm (event to status)", &warm[i], "ms");
        line("peak RSS", &rss[i], "MB");
        let mut by_count = Map::new();
        for (k, count) in cli.scaling.iter().enumerate() {
            line(&format!("scaling {count} functions"), &scaling[i][k], "ms");
            by_count.insert(count.to_string(), summary(&scaling[i][k]));
        }
        hooks.insert(
            name.to_string(),
            json!({
                "initMs": summary(&init[i]),
                "coldMs": summary(&cold[i]),
                "warmMs": summary(&warm[i]),
                "peakRssMb": summary(&rss[i]),
                "scalingMs": by_count,
            }),
        );
    }
    eprintln!("floor");
    line("warm floor (event to status)", &floor_ms, "ms");
    Ok(json!({
        "order": names,
        "runs": cli.runs,
        "scalingRuns": cli.scaling_runs,
        "checkDelayMs": cli.check_delay.as_millis() as u64,
        "hooks": hooks,
        "floorMs": summary(&floor_ms),
    }))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cli = match parse(&args) {
        Ok(cli) => cli,
        Err(message) => {
            eprintln!("prehook-bench: {message}\n{USAGE}");
            return ExitCode::from(64);
        }
    };
    match run(&cli).await {
        Ok(results) => match std::fs::write(&cli.out, format!("{results:#}\n")) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("prehook-bench: {}: {e}", cli.out.display());
                ExitCode::FAILURE
            }
        },
        Err(message) => {
            eprintln!("prehook-bench: {message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn reads_the_options_with_their_defaults() {
        let cli = parse(&args(
            "--out r.json --work w --hook ours@/t=/t/bootstrap --scaling 1,5",
        ))
        .unwrap();
        assert_eq!((cli.runs, cli.scaling_runs), (15, 5));
        assert_eq!(cli.scaling, [1, 5]);
        assert_eq!(cli.check_delay, Duration::from_millis(200));
        assert_eq!(cli.hooks[0].program, "/t/bootstrap");
    }

    #[test]
    fn bad_options_say_what_is_wrong() {
        let err = |text: &str| parse(&args(text)).unwrap_err();
        assert_eq!(err("--out r.json --work w"), "no --hook given");
        assert_eq!(err("--runs 0"), "--runs takes a positive whole number");
        assert_eq!(err("--hook ours@/t=/b"), "missing --out");
        assert_eq!(err("--fast"), "unknown option \"--fast\"");
    }
}
