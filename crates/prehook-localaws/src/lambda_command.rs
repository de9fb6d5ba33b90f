//! `prehook-localaws lambda --function NAME --versions 1,2,.. [--page-size N] --reply JSON`:
//! a local Lambda API (Invoke, ListVersionsByFunction) for one function whose every version
//! answers `reply`, printing `lambda URL` first, then one line per invoke with the qualifier
//! and the credential scope it was signed with; it stops when its stdin closes.

use std::process::ExitCode;

const USAGE: &str =
    "usage: prehook-localaws lambda --function NAME --versions 1,2,.. [--page-size N] --reply JSON";

/// Parses the arguments after `lambda` and serves.
pub async fn run(args: &[String]) -> ExitCode {
    match parse_lambda(args) {
        Ok(cli) => serve(cli).await,
        Err(message) => {
            eprintln!("prehook-localaws: {message}\n{USAGE}");
            ExitCode::from(64)
        }
    }
}

/// `prehook-localaws lambda`: one function whose every version answers `reply`.
struct LambdaCli {
    function: String,
    versions: Vec<String>,
    page_size: Option<usize>,
    reply: serde_json::Value,
}

fn parse_lambda(args: &[String]) -> Result<LambdaCli, String> {
    let mut args = args.iter();
    let (mut function, mut versions, mut page_size, mut reply) = (None, None, None, None);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .cloned()
            .ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--function" => function = Some(value),
            "--versions" => {
                versions = Some(
                    value
                        .split(',')
                        .map(|v| v.trim().to_owned())
                        .filter(|v| !v.is_empty())
                        .collect(),
                )
            }
            "--page-size" => {
                page_size = Some(
                    value
                        .parse()
                        .map_err(|_| format!("--page-size takes a number, got {value:?}"))?,
                )
            }
            "--reply" => {
                reply = Some(
                    serde_json::from_str(&value)
                        .map_err(|e| format!("--reply takes the JSON payload to answer: {e}"))?,
                )
            }
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    Ok(LambdaCli {
        function: function.ok_or("missing --function")?,
        versions: versions.ok_or("missing --versions")?,
        page_size,
        reply: reply.ok_or("missing --reply")?,
    })
}

/// Serves until stdin closes, so the endpoint never outlives the test that started it.
async fn serve(cli: LambdaCli) -> ExitCode {
    let lambda = match prehook_localaws::LocalLambda::start().await {
        Ok(lambda) => lambda,
        Err(e) => {
            eprintln!("prehook-localaws: cannot listen: {e}");
            return ExitCode::from(2);
        }
    };
    let versions: Vec<&str> = cli.versions.iter().map(String::as_str).collect();
    lambda.versions(&cli.function, &versions);
    if let Some(size) = cli.page_size {
        lambda.page_size(size);
    }
    let reply = cli.reply;
    lambda.function(&cli.function, None, move |call| {
        println!(
            "invoke {}:{} credential={}",
            call.function,
            call.qualifier.as_deref().unwrap_or("$LATEST"),
            call.credential.as_deref().unwrap_or("none")
        );
        let reply = prehook_localaws::Reply::output(&reply);
        async move { reply }
    });
    println!("lambda {}", lambda.url());
    let mut stdin = tokio::io::stdin();
    let _ = tokio::io::copy(&mut stdin, &mut tokio::io::sink()).await;
    ExitCode::SUCCESS
}
