//! The hook's deployment zip: the shipped `bootstrap` plus the service's `prehook.json`.
//!
//! Built in memory and byte-for-byte deterministic (fixed timestamps and order), so the same
//! config always yields the same artifact and the framework's change detection stays quiet.

use std::io::{self, Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

use crate::hook_config::CONFIG_FILE_NAME;

/// The executable Lambda starts for a `provided` runtime.
pub const BOOTSTRAP: &str = "bootstrap";

/// Regular file, `rwxr-xr-x`: Lambda runs `bootstrap` only if the zip marks it executable.
const BOOTSTRAP_MODE: u32 = 0o100755;
/// Regular file, `rw-r--r--`.
const CONFIG_MODE: u32 = 0o100644;
/// "Version made by" system of a zip entry whose external attributes hold a Unix mode.
const UNIX_CREATOR: u8 = 3;

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
///
/// `bootstrap` is copied as the shipped zip compressed it (deflate, level 9, by
/// scripts/build-hook.sh): compressing its megabytes again took about a tenth of a second of
/// every `serverless package`. It is still read through once, so that a damaged install (a
/// CRC that does not match) stops packaging here rather than the hook's first start in Lambda.
pub fn assemble(shipped: &[u8], config_json: &str) -> Result<Vec<u8>, ArtifactError> {
    let mut archive =
        ZipArchive::new(Cursor::new(shipped)).map_err(|e| ArtifactError::NotAZip(e.to_string()))?;
    let mut entry = archive
        .by_name(BOOTSTRAP)
        .map_err(|_| ArtifactError::NoBootstrap)?;
    io::copy(&mut entry, &mut io::sink()).map_err(|e| ArtifactError::NotAZip(e.to_string()))?;
    drop(entry);
    let bootstrap = archive
        .by_name(BOOTSTRAP)
        .map_err(|_| ArtifactError::NoBootstrap)?;

    let write = |e: zip::result::ZipError| ArtifactError::Write(e.to_string());
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    zip.raw_copy_file_touch(bootstrap, DateTime::default(), Some(0o755))
        .map_err(write)?;
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default());
    zip.start_file(CONFIG_FILE_NAME, options.unix_permissions(0o644))
        .map_err(write)?;
    zip.write_all(config_json.as_bytes())
        .map_err(|e| ArtifactError::Write(e.to_string()))?;
    let mut bytes = zip.finish().map_err(write)?.into_inner();
    made_on_unix(&mut bytes)?;
    Ok(bytes)
}

/// Marks every entry of `zip` as made on Unix with its mode: `bootstrap` 0755, the rest 0644.
///
/// Built on Windows, the `zip` crate records DOS as the creator (and has no option to say
/// otherwise); Lambda then ignores the mode bits and cannot execute `bootstrap`. So the
/// central directory is rewritten the same way on every platform, and the artifact's bytes do
/// not depend on where `serverless package` ran.
fn made_on_unix(zip: &mut [u8]) -> Result<(), ArtifactError> {
    let corrupt = |what: &str| ArtifactError::Write(format!("the written zip has {what}"));
    // The end of central directory record; this writer adds no archive comment after it.
    let end = zip
        .len()
        .checked_sub(22)
        .filter(|&at| zip[at..].starts_with(b"PK\x05\x06"))
        .ok_or_else(|| corrupt("no end of central directory record"))?;
    let entries = u16_at(zip, end + 10);
    let mut at = u32_at(zip, end + 16) as usize;
    for _ in 0..entries {
        if !zip
            .get(at..at + 46)
            .is_some_and(|header| header.starts_with(b"PK\x01\x02"))
        {
            return Err(corrupt("a broken central directory"));
        }
        let name_len = u16_at(zip, at + 28) as usize;
        let extra_len = u16_at(zip, at + 30) as usize;
        let comment_len = u16_at(zip, at + 32) as usize;
        let name = zip
            .get(at + 46..at + 46 + name_len)
            .ok_or_else(|| corrupt("a broken central directory"))?;
        let mode = if name == BOOTSTRAP.as_bytes() {
            BOOTSTRAP_MODE
        } else {
            CONFIG_MODE
        };
        // "Version made by": the spec version in the low byte, the creator's system in the high one.
        zip[at + 5] = UNIX_CREATOR;
        // External attributes: the Unix mode in the high 16 bits, no DOS attribute bits.
        zip[at + 38..at + 42].copy_from_slice(&(mode << 16).to_le_bytes());
        at += 46 + name_len + extra_len + comment_len;
    }
    Ok(())
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

#[cfg(test)]
mod tests {
    use std::io::Read;

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

    /// Each central directory entry's name, creator system ("version made by" high byte) and
    /// external attributes, read from the bytes as Lambda's unzip reads them.
    fn central_directory(zip: &[u8]) -> Vec<(String, u8, u32)> {
        let end = zip.len() - 22;
        assert_eq!(&zip[end..end + 4], b"PK\x05\x06");
        let mut at = u32_at(zip, end + 16) as usize;
        (0..u16_at(zip, end + 10))
            .map(|_| {
                assert_eq!(&zip[at..at + 4], b"PK\x01\x02");
                let name_len = u16_at(zip, at + 28) as usize;
                let name = String::from_utf8(zip[at + 46..at + 46 + name_len].to_vec()).unwrap();
                let entry = (name, zip[at + 5], u32_at(zip, at + 38));
                at += 46 + name_len + u16_at(zip, at + 30) as usize + u16_at(zip, at + 32) as usize;
                entry
            })
            .collect()
    }

    #[test]
    fn the_zip_says_unix_made_it_with_an_executable_bootstrap() {
        let zip = assemble(&shipped(&[("bootstrap", b"binary")]), "{}").unwrap();
        assert_eq!(
            central_directory(&zip),
            [
                ("bootstrap".to_owned(), 3, 0o100755 << 16),
                ("prehook.json".to_owned(), 3, 0o100644 << 16),
            ]
        );
    }

    // Regression: the `zip` crate on Windows writes DOS as the creator, and Lambda then cannot
    // execute `bootstrap`. This is what that writer produces; it must come out as on Unix.
    #[test]
    fn a_zip_written_as_dos_comes_out_unix_made() {
        let unix = assemble(&shipped(&[("bootstrap", b"binary")]), "{}").unwrap();
        let mut dos = unix.clone();
        let end = dos.len() - 22;
        let mut at = u32_at(&dos, end + 16) as usize;
        for _ in 0..u16_at(&dos, end + 10) {
            dos[at + 5] = 0;
            dos[at + 38] |= 0x01;
            at += 46
                + u16_at(&dos, at + 28) as usize
                + u16_at(&dos, at + 30) as usize
                + u16_at(&dos, at + 32) as usize;
        }
        assert!(
            central_directory(&dos)
                .iter()
                .all(|(_, system, _)| *system == 0)
        );
        made_on_unix(&mut dos).unwrap();
        assert_eq!(dos, unix);
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
    fn copies_the_shipped_compression_of_bootstrap_as_is() {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
        zip.start_file("bootstrap", stored).unwrap();
        zip.write_all(&[7; 4096]).unwrap();
        let input = zip.finish().unwrap().into_inner();
        let output = assemble(&input, "{}").unwrap();
        let mut archive = ZipArchive::new(Cursor::new(&output[..])).unwrap();
        let bootstrap = archive.by_name("bootstrap").unwrap();
        assert_eq!(bootstrap.compression(), CompressionMethod::Stored);
        assert_eq!(bootstrap.compressed_size(), 4096);
        drop(bootstrap);
        assert_eq!(entries(&output)[0].2, [7; 4096]);
    }

    #[test]
    fn refuses_a_damaged_bootstrap() {
        let mut input = shipped(&[("bootstrap", b"\x7fELF binary, long enough to damage")]);
        // The first byte of the compressed data, right after the local header and its name.
        let data = 30 + "bootstrap".len() + u16_at(&input, 28) as usize;
        input[data] ^= 0xff;
        assert!(matches!(
            assemble(&input, "{}"),
            Err(ArtifactError::NotAZip(_))
        ));
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
