//! Integration tests of prehook-core, built as one binary.

/// The service-config transform: `fixtures/<case>/serverless.yml` in, a snapshot of the changes
/// (or of every error) out.
mod golden;

/// examples/sam: its prehook.json parses and names the functions its template hooks.
mod sam_example;

/// npm/serverless-prehook/lib/schema.json is what `prehook_core::schema` builds.
mod schema_file;
