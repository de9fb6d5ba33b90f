'use strict';

// The schema the plugin gives the framework and the core's validation agree on every golden
// fixture (crates/prehook-core/tests/fixtures/*/serverless.yml): the schema refuses no fixture the
// core accepts, and the core refuses only what the schema refuses or what SCHEMA_CANNOT_EXPRESS
// names. The core's answer is the fixture's name: tests/golden.rs asserts that exactly the
// `error-*` fixtures are refused. Validated with the framework's own ajv and the options of its
// configSchemaHandler (serverless@3 lib/classes/config-schema-handler/resolve-ajv-validate.js).

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');
const { test } = require('node:test');

const schema = require('../lib/schema');

const frameworkRequire = createRequire(require.resolve('serverless/package.json'));
const Ajv = frameworkRequire('ajv').default;
const yaml = frameworkRequire('js-yaml');

const FIXTURES = path.join(__dirname, '../../../crates/prehook-core/tests/fixtures');

// Fixtures the core refuses for a rule a JSON Schema cannot state, each with that rule. A fixture
// listed here that the schema refuses after all must leave the list.
const SCHEMA_CANNOT_EXPRESS = {
  'error-after-traffic-canary-conflict':
    "custom.deploymentSettings.postTrafficHook names another function while a function has afterTraffic (another plugin's key)",
  'error-alarms-shared-api': 'functions sharing an API must agree on the settings of its one 5XX alarm (across functions)',
  'error-hand-written-hook': "a function under the hook's key that a preTrafficHook names (functions, not prehook)",
  'error-hook-key-clash': "a function of the service under the hook's default key",
  'error-hook-key-clash-custom': 'custom.prehook.functionName is the key of a function of the service',
  'error-hook-name-too-long': "the hook's deployed name (service, stage, key) is longer than Lambda's 64 characters",
  'error-post-hook-key-clash': 'custom.prehook.postTrafficFunctionName equals the pre-traffic key',
  'error-post-hook-key-taken': "a function of the service under the post-traffic hook's key",
  'error-post-traffic-hook-is-the-hook': "deploymentSettings.postTrafficHook names our hook without afterTraffic (another plugin's key)",
  'error-prehook-without-function': 'prehook on a function without handler nor image (the framework\'s keys)',
  'error-role-resource-clash': "the dedicated role's logical id is taken in resources.Resources",
  // The schema lets provided.al2 through on purpose: the core's refusal says what to use instead.
  'error-runtime-retired': 'runtime: provided.al2 is refused with what to do instead',
  'error-shared-with-existing-role': 'iam: shared with an existing role (provider.iam.role)',
  'error-version-function-off': "versionFunction: false on a checked function (the framework's key)",
};

function frameworkAjv() {
  const ajv = new Ajv({
    allErrors: true,
    coerceTypes: 'array',
    verbose: true,
    strict: true,
    strictRequired: false,
  });
  frameworkRequire('ajv-formats').default(ajv);
  ajv.addKeyword(frameworkRequire('./lib/classes/config-schema-handler/regexp-keyword'));
  return ajv;
}

// Where configSchemaHandler puts our parts: `custom.prehook`, and each function's `prehook`.
const validate = frameworkAjv().compile({
  type: 'object',
  properties: {
    custom: schema.custom,
    functions: { type: 'object', additionalProperties: { type: 'object', ...schema.functionProperties } },
  },
});

const schemaErrors = () => (validate.errors || []).map((e) => `${e.instancePath} ${e.message}`).join('; ');

const fixtures = fs.readdirSync(FIXTURES).filter((name) => fs.existsSync(path.join(FIXTURES, name, 'serverless.yml')));

test('the schema and the core agree on every golden fixture', () => {
  assert.ok(fixtures.length > 40, `only ${fixtures.length} fixtures under ${FIXTURES}`);
  const disagreements = [];
  for (const name of fixtures) {
    const config = yaml.load(fs.readFileSync(path.join(FIXTURES, name, 'serverless.yml'), 'utf8'));
    const schemaAccepts = validate(config);
    const errors = schemaErrors();
    const coreAccepts = !name.startsWith('error-');
    const listed = Object.hasOwn(SCHEMA_CANNOT_EXPRESS, name);
    if (coreAccepts && !schemaAccepts) {
      disagreements.push(`${name}: the core accepts it, the schema refuses it (${errors})`);
    } else if (!coreAccepts && schemaAccepts && !listed) {
      disagreements.push(
        `${name}: the core refuses it, the schema accepts it: make the schema (crates/prehook-core/src/schema.rs) refuse it, or name the rule in SCHEMA_CANNOT_EXPRESS`
      );
    } else if (!schemaAccepts && listed) {
      disagreements.push(`${name}: the schema refuses it now (${errors}): remove it from SCHEMA_CANNOT_EXPRESS`);
    }
  }
  // Every key with an example value, which the core accepts (tests/golden.rs).
  const example = yaml.load(fs.readFileSync(path.join(FIXTURES, '../../../../serverless.yml.example'), 'utf8'));
  if (!validate(example)) {
    disagreements.push(`serverless.yml.example: the core accepts it, the schema refuses it (${schemaErrors()})`);
  }
  for (const name of Object.keys(SCHEMA_CANNOT_EXPRESS)) {
    if (!fixtures.includes(name)) disagreements.push(`${name}: listed in SCHEMA_CANNOT_EXPRESS, but no such fixture`);
  }
  assert.deepEqual(disagreements, []);
});
