//! The hook's log lines: one JSON object per line on stdout, which Lambda sends to CloudWatch
//! as is; the `check attempt` and `verdict` lines are the ones README.md documents for users.
//! Written by hand: a tracing subscriber would add size for nothing.

use std::io::Write;
use std::sync::OnceLock;

use serde_json::Value;

/// Where the lines go instead of stdout, once set (see [`send_to`]).
static SINK: OnceLock<fn(&str)> = OnceLock::new();

/// Sends every line of this process to `sink` instead of stdout; the first call wins.
///
/// For tests: writes to `std::io::stdout()` bypass the test harness's capture, so a sink
/// that `println!`s lets the harness keep a passing test's lines quiet and show a failing
/// test's lines with its failure.
pub fn send_to(sink: fn(&str)) {
    let _ = SINK.set(sink);
}

/// Writes one line; a closed stdout must never stop a verdict from being reported.
pub fn line(value: &Value) {
    match SINK.get() {
        Some(sink) => sink(&value.to_string()),
        None => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{value}");
        }
    }
}

/// An operational message besides the `check attempt` and `verdict` lines (retries of the
/// status call, ...).
pub fn message(level: &str, msg: &str, mut fields: Value) {
    if let Value::Object(map) = &mut fields {
        map.insert("level".into(), level.into());
        map.insert("msg".into(), msg.into());
    }
    line(&fields);
}
