'use strict';

// `serverless prehook check`: its options, its report, the framework's credentials handed
// to the SDK, and the addon's CheckRun (the hook's engine) driven by lib/check/run.js with a
// JS invoke function: retries, timeouts, failed invokes, exactly as in the hook.

const assert = require('node:assert/strict');
const { describe, it } = require('node:test');

const addon = require('../lib/addon');
const { clientConfig, fromSdkV2 } = require('../lib/check/lambda');
const { runChecks } = require('../lib/check/run');
const { functionNames, lifecycleEvent, target } = require('../lib/check/options');
const { checkLine, failureMessage, jsonReport, textReport } = require('../lib/check/report');

describe('prehook check options', () => {
  it('reads --function repeated or as a comma list', () => {
    assert.deepEqual(functionNames(undefined), []);
    assert.deepEqual(functionNames('website'), ['website']);
    assert.deepEqual(functionNames(['website, worker', 'api']), ['website', 'worker', 'api']);
  });

  it('finds serverless-offline: --local-port, then custom.serverless-offline.lambdaPort, then 3002', () => {
    assert.deepEqual(target({}), { local: false });
    assert.deepEqual(target({ local: true }), { local: true, endpoint: 'http://localhost:3002' });
    const custom = { 'serverless-offline': { lambdaPort: 4002 } };
    assert.deepEqual(target({ local: true }, custom), { local: true, endpoint: 'http://localhost:4002' });
    assert.deepEqual(target({ local: true, 'local-port': '5002' }, custom), {
      local: true,
      endpoint: 'http://localhost:5002',
    });
    assert.deepEqual(target({ endpoint: 'http://127.0.0.1:9000/' }), { local: true, endpoint: 'http://127.0.0.1:9000' });
  });

  it('runs the pre-traffic checks unless --after-traffic', () => {
    assert.equal(lifecycleEvent({}), 'BeforeAllowTraffic');
    assert.equal(lifecycleEvent({ 'after-traffic': true }), 'AfterAllowTraffic');
  });

  it('says which setting is wrong', () => {
    assert.throws(() => target({ local: true, 'local-port': 'abc' }), /^Error: --local-port: expected a port number from 1 to 65535, got "abc"$/);
    assert.throws(
      () => target({ local: true }, { 'serverless-offline': { lambdaPort: 70000 } }),
      /custom\.serverless-offline\.lambdaPort: expected a port number/
    );
    assert.throws(() => target({ local: true, endpoint: 'http://x' }), /--endpoint and --local both/);
    assert.throws(() => target({ 'local-port': '3002' }), /--local-port only applies with --local/);
    assert.throws(() => target({ endpoint: 'localhost:3002' }), /--endpoint: expected an http:\/\/ or https:\/\/ URL/);
  });
});

describe('prehook check report', () => {
  const passed = {
    function: 'site-dev-web', key: 'web', qualifier: '7', check: 'GET /healthcheck',
    passed: true, status: 200, durationMs: 35.4, attempts: 1,
  };
  const failed = {
    function: 'site-dev-worker', key: 'worker', qualifier: '7', check: 'payload',
    passed: false, durationMs: 1002, attempts: 3, reason: 'no answer within 1000 ms',
  };

  it('prints one line per check and a summary', () => {
    assert.deepEqual(textReport([passed, failed]), [
      'PASS  site-dev-web:7  GET /healthcheck  200  35 ms',
      'FAIL  site-dev-worker:7  payload  -  1002 ms  3 attempts: no answer within 1000 ms',
      '2 checks, 1 failed',
    ]);
    assert.deepEqual(textReport([passed]).slice(-1), ['1 check passed']);
    assert.equal(checkLine({ ...failed, attempts: 1 }).endsWith('1 attempt: no answer within 1000 ms'), true);
  });

  it('gives machines every field, nulls included', () => {
    const document = jsonReport([passed, failed], { local: false });
    assert.deepEqual(
      { passed: document.passed, checks: document.checks, failed: document.failed, target: document.target },
      { passed: false, checks: 2, failed: 1, target: 'aws' }
    );
    assert.deepEqual(document.results[0], { ...passed, reason: null });
    assert.equal(document.results[1].status, null);
    assert.equal(jsonReport([passed], { local: true, endpoint: 'http://localhost:3002' }).target, 'http://localhost:3002');
  });

  it('lists every failure in the error', () => {
    assert.equal(
      failureMessage([passed, failed]),
      'prehook check: 1 check of 2 failed:\n  site-dev-worker:7 payload: no answer within 1000 ms'
    );
  });
});

describe("prehook check uses the framework's credentials and region", () => {
  it('reads SDK v2 credentials (serverless@3) through an SDK v3 provider', async () => {
    let refreshed = 0;
    const v2 = {
      accessKeyId: 'AKID',
      secretAccessKey: 'secret',
      sessionToken: 'token',
      getPromise: async () => {
        refreshed += 1;
      },
    };
    const config = await clientConfig(
      { getRegion: () => 'eu-west-1', getCredentials: () => ({ credentials: v2, region: 'eu-west-1' }) },
      { local: false }
    );
    assert.equal(config.region, 'eu-west-1');
    assert.equal(config.endpoint, undefined);
    assert.deepEqual(await config.credentials(), { accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'token' });
    assert.equal(refreshed, 1);
    assert.equal(fromSdkV2(undefined), undefined);
  });

  it("takes osls's SDK v3 credentials provider as is", async () => {
    const provider = async () => ({ accessKeyId: 'AKID3', secretAccessKey: 's' });
    const config = await clientConfig(
      {
        getRegion: () => 'ap-south-1',
        getAwsSdkV3Config: async () => ({ region: 'ap-south-1', credentials: provider }),
        getCredentials: () => {
          throw new Error('osls removed getCredentials');
        },
      },
      { local: false }
    );
    assert.equal(config.credentials, provider);
    assert.equal(config.region, 'ap-south-1');
  });

  it('needs no AWS credentials for serverless-offline', async () => {
    const config = await clientConfig(
      { getRegion: () => 'us-east-1', getCredentials: () => assert.fail('not asked') },
      { local: true, endpoint: 'http://localhost:3002' }
    );
    assert.equal(config.endpoint, 'http://localhost:3002');
    assert.equal(config.credentials.accessKeyId, 'prehook-local');
  });
});

describe('the addon runs checks through a JS invoke function', () => {
  const core = addon.load();
  // prehook.json as the plugin writes it, parsed once by the addon.
  const parse = (hookConfig) => new core.CheckConfig(JSON.stringify(hookConfig));
  const config = parse({
    functions: {
      'site-dev-web': {
        key: 'web',
        event: 'apigateway',
        retries: 1,
        timeout: 1,
        checks: ['GET /healthcheck', { request: 'GET /', expect: { bodyContains: 'Welcome' } }],
      },
    },
  });
  const answer = (status, body) => ({ payload: JSON.stringify({ statusCode: status, body }) });

  it('sends the hook\'s events, retries a failed invoke and judges the answers', async () => {
    const calls = [];
    const reports = await runChecks(core, config, [{ function: 'site-dev-web', qualifier: '12' }], async (request) => {
      const event = JSON.parse(request.payload);
      calls.push([request.function, request.qualifier, event.httpMethod, event.path, request.timeoutMs]);
      if (event.path === '/healthcheck' && calls.filter((c) => c[3] === '/healthcheck').length === 1) {
        const error = new Error('Rate exceeded');
        error.name = 'TooManyRequestsException';
        throw error;
      }
      return event.path === '/' ? answer(200, 'Hello') : answer(200, 'ok');
    });
    assert.deepEqual(
      reports.map((r) => [r.check, r.qualifier, r.passed, r.attempts, r.status, r.reason]),
      [
        ['GET /healthcheck', '12', true, 2, 200, undefined],
        ['GET /', '12', false, 2, 200, 'body does not contain "Welcome"'],
      ]
    );
    assert.deepEqual(calls[0].slice(0, 4), ['site-dev-web', '12', 'GET', '/healthcheck']);
    assert.ok(calls.every((c) => c[4] === 1000), 'each attempt is told its timeout');
  });

  it('gives up on an invoke that does not answer in time, and reports a rejected one', async () => {
    const oneTry = parse({
      functions: { 'site-dev-web': { key: 'web', event: 'apigateway', retries: 0, timeout: 1, checks: ['GET /slow', 'GET /denied'] } },
    });
    const reports = await runChecks(core, oneTry, [{ function: 'site-dev-web', qualifier: 'Live' }], async (request) => {
      if (JSON.parse(request.payload).path === '/slow') return new Promise(() => {});
      const error = new Error('User is not authorized to perform: lambda:InvokeFunction');
      error.name = 'AccessDeniedException';
      throw error;
    });
    assert.deepEqual(
      reports.map((r) => r.reason),
      ['no answer within 1000 ms', 'invoke failed: AccessDeniedException: User is not authorized to perform: lambda:InvokeFunction']
    );
  });

  it('runs the afterTraffic list for AfterAllowTraffic, and only the functions that have one', async () => {
    const both = parse({
      functions: {
        'site-dev-web': { key: 'web', event: 'apigateway', retries: 0, timeout: 1, checks: ['GET /before'], afterTraffic: ['GET /after'] },
        'site-dev-api': { key: 'api', event: 'apigateway', retries: 0, timeout: 1, checks: ['GET /api'] },
      },
    });
    assert.deepEqual(both.selectFunctions([], 'AfterAllowTraffic').functions, [{ function: 'site-dev-web', key: 'web' }]);
    assert.match(both.selectFunctions(['api'], 'AfterAllowTraffic').errors[0].message, /^no afterTraffic checks configured for `api`/);
    const paths = [];
    const invoke = async (request) => {
      paths.push(JSON.parse(request.payload).path);
      return answer(200, 'ok');
    };
    const target = [{ function: 'site-dev-web', qualifier: '3' }];
    const after = await runChecks(core, both, target, invoke, 'AfterAllowTraffic');
    const before = await runChecks(core, both, target, invoke);
    assert.deepEqual([after.map((r) => r.check), before.map((r) => r.check)], [['GET /after'], ['GET /before']]);
    assert.deepEqual(paths, ['/after', '/before']);
  });

  it('is a synchronous state machine: invokes to start and a time to wake, answers fed back as data', () => {
    const run = new core.CheckRun(config, [{ function: 'site-dev-web', qualifier: '12' }], {
      runId: 'test',
      epochMs: 1700000000000,
    });
    const first = run.next(0);
    assert.equal(first.done, false);
    assert.deepEqual(
      first.invokes.map((r) => [r.id, r.function, r.qualifier, JSON.parse(r.payload).path, r.timeoutMs]),
      [
        [0, 'site-dev-web', '12', '/healthcheck', 1000],
        [1, 'site-dev-web', '12', '/', 1000],
      ]
    );
    assert.equal(JSON.parse(first.invokes[0].payload).requestContext.requestId, 'prehook-test-0-1');
    assert.equal(first.wakeAtMs, 1000, 'wakes at the attempts\' timeout');
    assert.equal(run.complete(0, 20, answer(200, 'ok')), true);
    assert.equal(run.fail(1, 30, 'TooManyRequestsException: Rate exceeded'), true);
    // The failed check retries after the 500 ms backoff.
    assert.deepEqual(run.next(30), { invokes: [], wakeAtMs: 530, done: false });
    const retry = run.next(530);
    assert.deepEqual(retry.invokes.map((r) => [r.id, JSON.parse(r.payload).requestContext.requestId]), [[2, 'prehook-test-1-2']]);
    // Nothing came within the timeout: the run gives up on it and an answer after that is ignored.
    const end = run.next(1530);
    assert.deepEqual([end.invokes, end.done, end.wakeAtMs], [[], true, undefined]);
    assert.equal(run.complete(2, 1600, answer(200, 'Welcome')), false);
    assert.deepEqual(
      run.reports().map((r) => [r.check, r.passed, r.attempts, r.status, r.durationMs, r.reason]),
      [
        ['GET /healthcheck', true, 1, 200, 20, undefined],
        ['GET /', false, 2, undefined, 1000, 'no answer within 1000 ms'],
      ]
    );
    assert.throws(
      () => new core.CheckRun(config, [{ function: 'site-dev-api', qualifier: '1' }], { runId: 't', epochMs: 0 }),
      /^Error: no checks configured for function site-dev-api$/
    );
  });

  it('selects functions by key or deployed name and finds the latest published version', () => {
    assert.deepEqual(config.selectFunctions(['web']), {
      ok: true,
      functions: [{ function: 'site-dev-web', key: 'web' }],
    });
    // The user named a function without checks: data with the option at fault.
    const unknown = config.selectFunctions(['api']);
    assert.equal(unknown.ok, false);
    assert.equal(unknown.errors.length, 1);
    assert.equal(unknown.errors[0].path, '--function');
    assert.match(unknown.errors[0].message, /^no checks configured for `api`: the functions with checks are web \(site-dev-web\)$/);
    // The plugin passed a lifecycle event it never passes: a programming error, thrown.
    assert.throws(
      () => config.selectFunctions([], 'Sideways'),
      /^Error: unknown lifecycle event "Sideways": expected BeforeAllowTraffic or AfterAllowTraffic$/
    );
    assert.throws(() => parse({ functions: { 'site-dev-web': { key: 'web', timeout: 1 } } }), /functions\.site-dev-web: missing `event`/);
    assert.equal(core.latestPublishedVersion(['$LATEST', '9', '10']), '10');
    assert.equal(core.latestPublishedVersion(['$LATEST']), null);
  });
});
