//! The injected hook function and the name of its artifact.

use serde::Serialize;
use serde_json::{Value, json};

use super::options::Options;

/// The hook's zip as shipped in the npm package, and the copy with `prehook.json` the
/// deployment uses.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Artifact {
    pub architecture: String,
    /// File name of the shipped zip in the package's `hook/` folder: `prehook-<version>-<arch>.zip`.
    pub shipped_file_name: String,
    /// Unique per config: the framework derives the S3 key from the file name.
    pub file_name: String,
    /// `<artifactDir>/<fileName>`, relative to the service unless `artifactDir` is absolute.
    pub path: String,
}

pub fn artifact(
    options: &Options,
    version: &str,
    artifact_dir: &str,
    config_json: &str,
) -> Artifact {
    let arch = &options.architecture;
    let hash = fnv1a64(format!("{version}\n{arch}\n{config_json}").as_bytes());
    let file_name = format!("prehook-{version}-{arch}-{:012x}.zip", hash >> 16);
    Artifact {
        architecture: arch.clone(),
        shipped_file_name: format!("prehook-{version}-{arch}.zip"),
        path: format!("{}/{file_name}", artifact_dir.trim_end_matches('/')),
        file_name,
    }
}

/// The function definition to put at `functions.<key>`.
pub fn definition(
    options: &Options,
    name: &str,
    version: &str,
    artifact: &Artifact,
    role: Option<&str>,
) -> Value {
    let mut function = json!({
        "name": name,
        "description": format!("serverless-prehook {version}: checks new versions before CodeDeploy shifts traffic to them"),
        "handler": "bootstrap",
        "runtime": options.runtime,
        "architecture": options.architecture,
        "memorySize": options.memory_size,
        "timeout": options.timeout,
        "package": { "artifact": artifact.path },
        "events": [],
    });
    if let Some(role) = role {
        function["role"] = Value::from(role);
    }
    function
}

/// A stable, dependency-free content hash: only uniqueness of file names depends on it.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
