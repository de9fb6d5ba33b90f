//! `npm/serverless-prehook/lib/schema.json` is what `prehook_core::schema` builds: the plugin
//! hands it to the framework, and `config.d.ts` is generated from it.

use std::{env, fs, path::Path};

const COMMAND: &str = "PREHOOK_WRITE_SCHEMA=1 cargo test -p prehook-core --test main schema_file";

#[test]
fn the_plugin_schema_is_the_one_the_core_builds() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../npm/serverless-prehook/lib/schema.json");
    let built =
        serde_json::to_string_pretty(&prehook_core::schema::plugin_schema()).unwrap() + "\n";
    if env::var_os("PREHOOK_WRITE_SCHEMA").is_some() {
        fs::write(&path, &built).unwrap();
        return;
    }
    let committed = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == built,
        "{} is not what the core builds: run `{COMMAND}` (then `npm run generate-types` in npm/serverless-prehook) and commit both",
        path.display()
    );
}
