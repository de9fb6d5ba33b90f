//! The hook's deployment zip: the shipped `bootstrap` plus the service's `prehook.json`.
//!
//! Built in memory and byte-for-byte deterministic (fixed timestamps and order), so the same
//! config always yields the same artifact and the framework's change detection stays quiet.

use std::io::{Cursor, Read, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

use crate::hook_config::CONFIG_FILE_NAME;

/// The executable Lambda starts for a `provided` runtime.
pub const BOOTSTRAP: &str = "bootstrap";

/// Why a hook artifact could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// The shipped zip is not a readable zip archive.
    #[error("the shipped hook zip is not a valid zip archive: {0}")]
    NotAZip(String),
    /// The shipped zip has no `bootstrap` at its root.
    #[error("the shipped hook zip has no `bootstrap` at its root: reinstall serverless-prehook")]
    NoBootstrap,
    /// Writing the new zip failed.
    #[error("could not write the hook zip: {0}")]
    Write(String),
}

/// A zip with `bootstrap` (mode 0755) from `shipped` and `prehook.json` (mode 0644) holding
/// `config_json`; any other entry of `shipped` is dropped.
pub fn assemble(shipped: &[u8], config_json: &str) -> Result<Vec<u8>, ArtifactError> {
    let mut archive =
        ZipArchive::new(Cursor::new(shipped)).map_err(|e| ArtifactError::NotAZip(e.to_string()))?;
    let mut bootstrap = Vec::new();
    archive
        .by_name(BOOTSTRAP)
        .map_err(|_| ArtifactError::NoBootstrap)?
        .read_to_end(&mut bootstrap)
        .map_err(|e| ArtifactError::NotAZip(e.to_string()))?;

    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default());
    let write = |e: zip::result::ZipError| ArtifactError::Write(e.to_string());
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file(BOOTSTRAP, options.unix_permissions(0o755))
        .map_err(write)?;
    zip.write_all(&bootstrap)
        .map_err(|e| ArtifactError::Write(e.to_string()))?;
    zip.start_file(CONFIG_FILE_NAME, options.unix_permissions(0o644))
        .map_err(write)?;
    zip.write_all(config_json.as_bytes())
        .map_err(|e| ArtifactError::Write(e.to_string()))?;
    Ok(zip.finish().map_err(write)?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in entries {
            zip.start_file(*name, SimpleFileOptions::default().unix_permissions(0o700))
                .unwrap();
            zip.write_all(data).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn entries(bytes: &[u8]) -> Vec<(String, Option<u32>, Vec<u8>)> {
        let mut archive = ZipArchive::new(Cursor::new(bytes)).unwrap();
        (0..archive.len())
            .map(|i| {
                let mut file = archive.by_index(i).unwrap();
                let mut data = Vec::new();
                file.read_to_end(&mut data).unwrap();
                (file.name().to_owned(), file.unix_mode(), data)
            })
            .collect()
    }

    #[test]
    fn adds_the_config_next_to_an_executable_bootstrap() {
        let zip = assemble(
            &shipped(&[("bootstrap", b"\x7fELF binary"), ("README", b"dropped")]),
            "{\"functions\":{}}",
        )
        .unwrap();
        let found = entries(&zip);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].0, "bootstrap");
        assert_eq!(found[0].1.map(|m| m & 0o777), Some(0o755));
        assert_eq!(found[0].2, b"\x7fELF binary");
        assert_eq!(found[1].0, "prehook.json");
        assert_eq!(found[1].1.map(|m| m & 0o777), Some(0o644));
        assert_eq!(found[1].2, b"{\"functions\":{}}");
    }

    #[test]
    fn the_same_input_gives_the_same_bytes() {
        let input = shipped(&[("bootstrap", b"binary")]);
        assert_eq!(
            assemble(&input, "{}").unwrap(),
            assemble(&input, "{}").unwrap()
        );
        assert_ne!(
            assemble(&input, "{}").unwrap(),
            assemble(&input, "{ }").unwrap()
        );
    }

    #[test]
    fn rejects_a_zip_without_bootstrap_and_garbage() {
        assert!(matches!(
            assemble(&shipped(&[("other", b"x")]), "{}"),
            Err(ArtifactError::NoBootstrap)
        ));
        assert!(matches!(
            assemble(b"not a zip", "{}"),
            Err(ArtifactError::NotAZip(_))
        ));
    }
}
