'use strict';

// Secret references in `serverless prehook check`: read with the AWS SDK for JavaScript v3 from
// local SSM and Secrets Manager endpoints (`prehook-localaws secrets`, the ones the hook's tests
// use) through AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL_SECRETS_MANAGER, sent by the addon's
// CheckRun, failed closed when they cannot be read, and never shown in a report. And the
// package: prehook.json, the template and the zip hold the references, never a value.

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { after, before, describe, it } = require('node:test');

const addon = require('../lib/addon');
const { runChecks } = require('../lib/check/run');
const { describeError, secretField, secretReader } = require('../lib/check/secrets');

const ROOT = path.resolve(__dirname, '../../..');
const LOCALAWS =
  process.env.PREHOOK_LOCALAWS || path.join(process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target'), 'debug', 'prehook-localaws');

const TOKEN = 'tok-SECRET-js-5e1f90';
const API_KEY = 'key-SECRET-js-8a2c77';

const CONFIG = JSON.stringify({
  functions: {
    'site-dev-web': {
      key: 'web',
      event: 'httpapi',
      retries: 0,
      timeout: 2,
      checks: [
        {
          name: 'orders',
          request: {
            method: 'GET',
            path: '/orders',
            headers: { Authorization: { ssm: '/site/token' } },
            query: { api_key: { secretsManager: 'site/api', key: 'key' } },
          },
        },
        'GET /public',
      ],
    },
  },
});
const TARGET = [{ function: 'site-dev-web', qualifier: '5' }];

/** Starts `prehook-localaws secrets` with `args`; resolves to its URL and a stop function. */
async function localSecrets(args) {
  assert.ok(fs.existsSync(LOCALAWS), `${LOCALAWS} is missing: cargo test --workspace builds it (or set PREHOOK_LOCALAWS)`);
  const child = spawn(LOCALAWS, ['secrets', ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout });
  const url = await new Promise((resolve, reject) => {
    lines.once('line', (line) => resolve(line.replace(/^secrets /, '')));
    child.once('exit', (code) => reject(new Error(`prehook-localaws secrets stopped (${code})`)));
  });
  return { url, stop: () => child.stdin.end() };
}

/** The SDK config `prehook check` gives the reader, with dummy credentials. */
const sdkConfig = { region: 'us-east-1', credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' } };

/** A version that echoes its request in a 500 unless the token and key are right. */
function echoing(calls) {
  return async (request) => {
    const event = JSON.parse(request.payload);
    calls.push(event);
    const ok =
      event.rawPath === '/public' ||
      (event.headers.authorization === `Bearer ${TOKEN}` && event.queryStringParameters && event.queryStringParameters.api_key === API_KEY);
    return { payload: JSON.stringify({ statusCode: ok ? 200 : 500, body: `got ${request.payload}` }) };
  };
}

describe('prehook check reads secret references with the JS SDK', () => {
  const core = addon.load();
  let store;
  const saved = {};
  before(async () => {
    store = await localSecrets([
      '--secure-parameter', `/site/token=Bearer ${TOKEN}`,
      '--secret', `site/api=${JSON.stringify({ key: API_KEY })}`,
      '--secret', 'site/plain=not json',
      '--deny', '/site/denied',
    ]);
    for (const name of ['AWS_ENDPOINT_URL_SSM', 'AWS_ENDPOINT_URL_SECRETS_MANAGER']) {
      saved[name] = process.env[name];
      process.env[name] = store.url;
    }
  });
  after(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    if (store) store.stop();
  });

  it('sends the values the SDK read (a SecureString decrypted, a field of a JSON secret)', async () => {
    const calls = [];
    const read = secretReader(sdkConfig);
    try {
      const reports = await runChecks(core, new core.CheckConfig(CONFIG), TARGET, echoing(calls), 'BeforeAllowTraffic', read);
      assert.deepEqual(reports.map((r) => [r.check, r.passed, r.reason]), [
        ['orders', true, undefined],
        ['GET /public', true, undefined],
      ]);
    } finally {
      read.destroy();
    }
    assert.equal(calls.find((e) => e.rawPath === '/orders').headers.authorization, `Bearer ${TOKEN}`);
  });

  it('keeps the values out of the reports of a version that echoes them', async () => {
    const read = secretReader(sdkConfig);
    const broken = async (request) => ({ payload: JSON.stringify({ statusCode: 500, body: `broken: ${request.payload}` }) });
    let reports;
    try {
      reports = await runChecks(core, new core.CheckConfig(CONFIG), TARGET, broken, 'BeforeAllowTraffic', read);
    } finally {
      read.destroy();
    }
    assert.equal(reports[0].passed, false);
    const everything = JSON.stringify(reports);
    assert.ok(!everything.includes(TOKEN) && !everything.includes(API_KEY), everything);
  });

  it('fails closed, naming the reference, when a read fails', async () => {
    const config = JSON.stringify({
      functions: {
        'site-dev-web': {
          key: 'web', event: 'httpapi', retries: 2, timeout: 2,
          checks: [
            { name: 'missing', request: { method: 'GET', path: '/a', headers: { 'X-Key': { ssm: '/site/missing' } } } },
            { name: 'denied', request: { method: 'GET', path: '/b', headers: { 'X-Key': { ssm: '/site/denied' } } } },
            { name: 'no key', request: { method: 'GET', path: '/c', headers: { 'X-Key': { secretsManager: 'site/plain', key: 'k' } } } },
            { name: 'no secret', request: { method: 'GET', path: '/d', headers: { 'X-Key': { secretsManager: 'site/none' } } } },
          ],
        },
      },
    });
    const calls = [];
    const read = secretReader(sdkConfig);
    let reports;
    try {
      reports = await runChecks(core, new core.CheckConfig(config), TARGET, echoing(calls), 'BeforeAllowTraffic', read);
    } finally {
      read.destroy();
    }
    assert.deepEqual(calls, [], 'nothing is sent without its secret');
    assert.deepEqual(reports.map((r) => [r.check, r.passed, r.attempts]), [
      ['missing', false, 1],
      ['denied', false, 1],
      ['no key', false, 1],
      ['no secret', false, 1],
    ]);
    assert.match(reports[0].reason, /^cannot read secret ssm:\/site\/missing: ParameterNotFound/);
    assert.match(reports[1].reason, /^cannot read secret ssm:\/site\/denied: AccessDeniedException: User: .* is not authorized to perform: ssm:GetParameter/);
    assert.equal(reports[2].reason, 'cannot read secret secretsManager:site/plain#k: the secret is not a JSON object, so it has no key "k": remove `key` to use the whole string');
    assert.equal(reports[3].reason, "cannot read secret secretsManager:site/none: ResourceNotFoundException: Secrets Manager can't find the specified secret.");
  });

  it('fails the checks that need a secret when nothing reads it', async () => {
    const reports = await runChecks(core, new core.CheckConfig(CONFIG), TARGET, echoing([]), 'BeforeAllowTraffic');
    assert.deepEqual(reports.map((r) => [r.passed, r.reason]), [
      [false, 'secret ssm:/site/token was not resolved before the checks started'],
      [true, undefined],
    ]);
  });
});

describe('secret values as the hook reads them', () => {
  it('takes the whole string, or one field of a JSON object', () => {
    assert.equal(secretField('plain'), 'plain');
    assert.equal(secretField('{"a":"x","n":3}', 'a'), 'x');
    assert.equal(secretField('{"a":"x","n":3}', 'n'), '3');
    assert.throws(() => secretField('{"a":1}', 'b'), /^Error: the secret's JSON has no key "b" \(its keys: a\)$/);
  });

  it('describes SDK errors as the hook does', () => {
    const error = new Error('UnknownError');
    error.name = 'ParameterNotFound';
    assert.equal(describeError(error), 'ParameterNotFound');
    const timeout = new Error('aborted');
    timeout.name = 'TimeoutError';
    assert.equal(describeError(timeout), 'no answer within 10000 ms');
  });
});
