'use strict';

// The framework's JSON Schema for our keys (`custom` for defineCustomProperties,
// `functionProperties` for defineFunctionProperties), so that typos are reported by the framework
// itself. schema.json is generated from the core's own key lists and limits
// (crates/prehook-core/src/schema.rs): never edit it by hand, rewrite it with
// `PREHOOK_WRITE_SCHEMA=1 cargo test -p prehook-core --test main schema_file`.
module.exports = require('./schema.json');
