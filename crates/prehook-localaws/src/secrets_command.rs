//! `prehook-localaws secrets [--parameter NAME=VALUE] [--secure-parameter NAME=VALUE]
//! [--secret NAME=VALUE] [--deny NAME]`: local SSM and Secrets Manager endpoints on one port
//! (for `AWS_ENDPOINT_URL_SSM` and `AWS_ENDPOINT_URL_SECRETS_MANAGER`), printing `secrets URL`
//! first, then one line per read with the credential scope it was signed with; it stops when
//! its stdin closes.

use std::process::ExitCode;

use prehook_localaws::LocalSecrets;

const USAGE: &str = "usage: prehook-localaws secrets [--parameter NAME=VALUE] [--secure-parameter NAME=VALUE] [--secret NAME=VALUE] [--deny NAME]";

enum Entry {
    Parameter(String, String),
    SecureParameter(String, String),
    Secret(String, String),
    Deny(String),
}

/// Parses the arguments after `secrets` and serves.
pub async fn run(args: &[String]) -> ExitCode {
    match parse(args) {
        Ok(entries) => serve(entries).await,
        Err(message) => {
            eprintln!("prehook-localaws: {message}\n{USAGE}");
            ExitCode::from(64)
        }
    }
}

fn parse(args: &[String]) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .cloned()
            .ok_or_else(|| format!("{flag} needs a value"))?;
        let pair = || {
            value
                .split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| format!("{flag} takes NAME=VALUE, got {value:?}"))
        };
        entries.push(match flag.as_str() {
            "--parameter" => pair().map(|(k, v)| Entry::Parameter(k, v))?,
            "--secure-parameter" => pair().map(|(k, v)| Entry::SecureParameter(k, v))?,
            "--secret" => pair().map(|(k, v)| Entry::Secret(k, v))?,
            "--deny" => Entry::Deny(value),
            other => return Err(format!("unknown option {other:?}")),
        });
    }
    Ok(entries)
}

/// Serves until stdin closes, so the endpoint never outlives the test that started it.
async fn serve(entries: Vec<Entry>) -> ExitCode {
    let secrets = match LocalSecrets::start().await {
        Ok(secrets) => secrets,
        Err(e) => {
            eprintln!("prehook-localaws: cannot listen: {e}");
            return ExitCode::from(2);
        }
    };
    for entry in entries {
        match entry {
            Entry::Parameter(name, value) => secrets.parameter(&name, &value),
            Entry::SecureParameter(name, value) => secrets.secure_parameter(&name, &value),
            Entry::Secret(name, value) => secrets.secret(&name, &value),
            Entry::Deny(name) => secrets.deny(&name),
        }
    }
    secrets.print_calls();
    println!("secrets {}", secrets.url());
    let mut stdin = tokio::io::stdin();
    let _ = tokio::io::copy(&mut stdin, &mut tokio::io::sink()).await;
    ExitCode::SUCCESS
}
