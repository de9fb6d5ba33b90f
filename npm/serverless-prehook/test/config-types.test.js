'use strict';

// config.d.ts is what scripts/config-types.js writes from lib/schema.json; lib/schema.json itself
// is checked against the core by `cargo test -p prehook-core --test main schema_file`.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const { test } = require('node:test');

const { generate, OUTPUT, COMMAND } = require('../scripts/config-types');

test('config.d.ts is generated from the current schema', () => {
  assert.ok(
    fs.readFileSync(OUTPUT, 'utf8') === generate(),
    `config.d.ts is not what lib/schema.json gives: run ${COMMAND} and commit it`
  );
});
