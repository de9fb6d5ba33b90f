//! Node.js binding of prehook-core for the Serverless plugin: conversion only.
//!
//! The functions return their errors as data (`{ ok: false, ... }`) so the plugin can show
//! them as a framework error with every YAML path, rather than as a thrown native exception.
//! Only `new CheckConfig` and `new CheckRun` throw: on a `prehook.json` or targets the plugin
//! itself got wrong.

mod check;

pub use check::{CheckConfig, CheckRun, latest_published_version};

use napi::bindgen_prelude::Buffer;
use napi_derive::napi;
use prehook_core::{PluginFacts, artifact, transform as core_transform};
use serde_json::{Value, json};

/// Transforms the resolved service config.
///
/// Returns `{ ok: true, outcome }` where `outcome` is `{ action: "apply", ...changes }` (a `Plan`) or
/// `{ action: "skip", reason }`, or `{ ok: false, errors: [{ path, message }] }`.
#[napi]
pub fn transform(service: Value, facts: Value) -> Value {
    let facts: PluginFacts = match serde_json::from_value(facts) {
        Ok(facts) => facts,
        Err(e) => {
            return json!({ "ok": false, "errors": [{ "path": "(plugin facts)", "message": e.to_string() }] });
        }
    };
    match core_transform(&service, &facts) {
        Ok(outcome) => json!({ "ok": true, "outcome": outcome }),
        Err(errors) => json!({
            "ok": false,
            "errors": errors.0.iter().map(|e| json!({ "path": e.path, "message": e.message })).collect::<Vec<_>>(),
        }),
    }
}

/// What [`build_artifact`] returns: the zip, or why there is none.
#[napi(object)]
pub struct ArtifactResult {
    pub ok: bool,
    pub zip: Option<Buffer>,
    pub error: Option<String>,
}

/// The hook's deployment zip: `bootstrap` from the shipped zip plus `prehook.json`.
#[napi]
pub fn build_artifact(shipped: Buffer, prehook_json: String) -> ArtifactResult {
    match artifact::assemble(&shipped, &prehook_json) {
        Ok(zip) => ArtifactResult {
            ok: true,
            zip: Some(zip.into()),
            error: None,
        },
        Err(e) => ArtifactResult {
            ok: false,
            zip: None,
            error: Some(e.to_string()),
        },
    }
}

/// The version of the core this addon was built from, to detect a stale addon.
#[napi]
pub fn core_version() -> String {
    prehook_core::VERSION.to_owned()
}
