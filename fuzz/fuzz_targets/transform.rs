//! The service-config transform on arbitrary JSON: a plan or errors with YAML paths, never a
//! panic. The input is JSON text; anything else is skipped, as the plugin only passes JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prehook_core::{HookConfig, Plan, PluginFacts, transform};

fuzz_target!(|text: &str| {
    let Ok(service) = serde_json::from_str::<serde_json::Value>(text) else {
        return;
    };
    let facts: PluginFacts =
        serde_json::from_value(serde_json::json!({"version": "0.1.0"})).unwrap();
    match transform(&service, &facts) {
        Ok(Plan::Apply(changes)) => {
            // The hook must accept the prehook.json the plugin would ship.
            HookConfig::from_json(&changes.prehook_json)
                .unwrap_or_else(|e| panic!("shipped prehook.json rejected: {e}"));
        }
        Ok(Plan::Skip { .. }) => {}
        Err(errors) => assert!(!errors.to_string().is_empty()),
    }
});
