//! The checks config parser (`prehook.json`) on any text. A config it accepts must survive
//! its own round trip: what the plugin writes is what the hook reads.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prehook_core::HookConfig;

fuzz_target!(|text: &str| {
    if let Ok(config) = HookConfig::from_json(text) {
        let written = config.to_json();
        let again = HookConfig::from_json(&written)
            .unwrap_or_else(|e| panic!("its own output is rejected: {e}\n{written}"));
        assert_eq!(again.to_json(), written, "round trip changed the config");
    }
});
