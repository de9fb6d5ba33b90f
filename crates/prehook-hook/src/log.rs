//! The hook's log lines (HELPERS contract 3): one JSON object per line on stdout, which Lambda
//! sends to CloudWatch as is. Written by hand: a tracing subscriber would add size for nothing.

use std::io::Write;

use serde_json::Value;

/// Writes one line; a closed stdout must never stop a verdict from being reported.
pub fn line(value: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{value}");
}

/// An operational message outside the two contract lines (retries of the status call, ...).
pub fn message(level: &str, msg: &str, mut fields: Value) {
    if let Value::Object(map) = &mut fields {
        map.insert("level".into(), level.into());
        map.insert("msg".into(), msg.into());
    }
    line(&fields);
}
