//! AppSpec parsing (JSON, then YAML) on any text: an error or a spec, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prehook_core::AppSpec;

fuzz_target!(|text: &str| {
    if let Ok(spec) = AppSpec::parse(text) {
        // What the hook relies on: something to check, each with a published version.
        assert!(!spec.resources.is_empty());
        for resource in &spec.resources {
            assert!(!resource.name.is_empty() && !resource.target_version.is_empty());
            assert!(!resource.target_version.eq_ignore_ascii_case("$LATEST"));
        }
    }
});
