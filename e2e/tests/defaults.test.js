'use strict';

// `prehook: true` on real handlers: the default check derived from each function's triggers,
// in the packaged prehook.json (serverless@3 and osls) and in `serverless prehook check --local`
// against the real serverless-offline, healthy and broken:
// - e2e/services/mounted-app: an Express-style app under /base (a 404 on /healthcheck);
// - e2e/services/lambda-integration: `integration: lambda`, the handler reads `event.path.id`.

const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { after, before, describe, it } = require('node:test');

const { CLIS, cleanEnv, copyService, runPackage, templatePath, cfnLint } = require('../lib/harness');
const { freePort, run, startGroup, stop, waitForPort } = require('../lib/processes');
const { readZip } = require('../../npm/serverless-prehook/testing/zip');

const HTTP_DEFAULT = 'passes unless 5xx, function error or invalid response';
const LAMBDA_DEFAULT = 'passes unless 5xx or function error';

/** The hook config in the packaged hook zip. */
function packagedConfig(dir) {
  const template = JSON.parse(fs.readFileSync(templatePath(dir), 'utf8'));
  const zipName = template.Resources.PreHookLambdaFunction.Properties.Code.S3Key.split('/').pop();
  const entries = readZip(fs.readFileSync(path.join(dir, '.serverless', zipName)));
  return JSON.parse(entries.find((e) => e.name === 'prehook.json').data.toString('utf8'));
}

/** `serverless offline` of serverless@3 in `dir`, its Lambda Invoke API on `lambdaPort`. */
async function startOffline(dir, lambdaPort) {
  const [httpPort, websocketPort] = [await freePort(), await freePort()];
  const args = ['offline', 'start', '--host', '127.0.0.1', '--httpPort', httpPort, '--websocketPort', websocketPort, '--lambdaPort', lambdaPort];
  const child = startGroup(process.execPath, [CLIS['serverless@3'], ...args.map(String)], { cwd: dir, env: cleanEnv() });
  await waitForPort(child, lambdaPort, 90, 'serverless offline');
  return child;
}

/** `sls prehook check --local --json -f <key>`: the exit status and the report. */
async function checkLocal(dir, port, key) {
  const args = [CLIS['serverless@3'], 'prehook', 'check', '--local', '--local-port', String(port), '-f', key, '--json'];
  const result = await run(process.execPath, args, { cwd: dir, env: cleanEnv() });
  let report;
  try {
    report = JSON.parse(result.stdout);
  } catch {
    assert.fail(`not one JSON document:\n${result.stdout}\n${result.stderr}`);
  }
  return { status: result.status, result: report.results[0], report };
}

const SERVICES = {
  'mounted-app': {
    functions: {
      api: {
        event: 'apigateway',
        name: `GET /base/serverless-prehook (default: route ANY /base/{proxy+} of events[0].http, parameters filled; ${HTTP_DEFAULT})`,
        request: { method: 'GET', path: '/base/serverless-prehook', route: '/base/{proxy+}' },
      },
      apiThrows: {
        event: 'apigateway',
        name: `GET /throws/serverless-prehook (default: route ANY /throws/{proxy+} of events[0].http, parameters filled; ${HTTP_DEFAULT})`,
        request: { method: 'GET', path: '/throws/serverless-prehook', route: '/throws/{proxy+}' },
      },
      apiFailing: {
        event: 'apigateway',
        name: `GET /failing/serverless-prehook (default: route ANY /failing/{proxy+} of events[0].http, parameters filled; ${HTTP_DEFAULT})`,
        request: { method: 'GET', path: '/failing/serverless-prehook', route: '/failing/{proxy+}' },
      },
    },
  },
  'lambda-integration': {
    functions: {
      getUser: {
        event: 'apigateway-lambda',
        name: `GET /users/1 (default: route GET /users/{id} of events[0].http, parameters filled; ${LAMBDA_DEFAULT})`,
        request: { method: 'GET', path: '/users/1', route: '/users/{id}' },
      },
      getUserBroken: {
        event: 'apigateway-lambda',
        name: `GET /broken/users/1 (default: route GET /broken/users/{id} of events[0].http, parameters filled; ${LAMBDA_DEFAULT})`,
        request: { method: 'GET', path: '/broken/users/1', route: '/broken/users/{id}' },
      },
    },
  },
};

for (const [service, { functions }] of Object.entries(SERVICES)) {
  describe(`prehook: true in ${service}, serverless@3`, () => {
    let dir;
    let packaged;
    let offline;
    let port;

    before(async () => {
      dir = copyService(service, 'defaults');
      packaged = runPackage('serverless@3', dir);
      port = await freePort();
      offline = await startOffline(dir, port);
    });

    after(async () => {
      if (offline) await stop(offline);
    });

    it('packages, and the summary says which request each default sends and why', () => {
      assert.equal(packaged.status, 0, packaged.output);
      const output = packaged.output.replace(/\s*\n\s*/g, ' ');
      for (const [key, f] of Object.entries(functions)) {
        const line = `prehook: ${key} (${service === 'mounted-app' ? 'mounted' : 'legacy'}-dev-${key}): ${f.event}, 1 check (${f.name})`;
        assert.ok(output.includes(line), `${line}\nnot in:\n${packaged.output}`);
      }
    });

    it('ships the derived default checks in prehook.json', () => {
      const config = packagedConfig(dir);
      for (const [key, f] of Object.entries(functions)) {
        const name = `${service === 'mounted-app' ? 'mounted' : 'legacy'}-dev-${key}`;
        const checks = config.functions[name];
        assert.equal(checks.event, f.event, key);
        assert.deepEqual(checks.checks, [{ name: f.name, request: f.request, expect: { status: ['100-499'] } }], key);
      }
    });

    it('osls packages the same default checks', () => {
      const oslsDir = copyService(service, 'defaults-osls');
      const run = runPackage('osls', oslsDir);
      assert.equal(run.status, 0, run.output);
      assert.deepEqual(packagedConfig(oslsDir), packagedConfig(dir));
    });

    it('passes cfn-lint without errors', () => {
      assert.deepEqual(cfnLint(templatePath(dir)).filter((f) => f.Level === 'Error'), []);
    });

    if (service === 'mounted-app') {
      it('passes the healthy app, which answers 404 on the route it was sent to', async () => {
        const { status, result } = await checkLocal(dir, port, 'api');
        assert.equal(status, 0, JSON.stringify(result));
        assert.deepEqual([result.passed, result.status, result.attempts], [true, 404, 1]);
      });

      it('fails the version whose handler throws', async () => {
        const { status, result } = await checkLocal(dir, port, 'apiThrows');
        assert.equal(status, 1);
        assert.equal(result.passed, false);
        assert.match(result.reason, /^function error \(\w+\): Error: the new version cannot start: missing configuration$/);
        assert.equal(result.attempts, 3);
      });

      it('fails the version that answers 500', async () => {
        const { status, result } = await checkLocal(dir, port, 'apiFailing');
        assert.equal(status, 1);
        assert.deepEqual([result.passed, result.status, result.reason], [false, 500, 'expected status 100-499, got 500']);
      });
    } else {
      it('passes the healthy handler, which reads event.path.id from the mapped request', async () => {
        const { status, result } = await checkLocal(dir, port, 'getUser');
        assert.equal(status, 0, JSON.stringify(result));
        assert.deepEqual([result.passed, result.status, result.attempts], [true, 200, 1]);
      });

      it('fails the broken handler, which reads the proxy event', async () => {
        const { status, result } = await checkLocal(dir, port, 'getUserBroken');
        assert.equal(status, 1);
        assert.equal(result.passed, false);
        // serverless-offline reports every error as `Error`; Lambda would say `TypeError`.
        assert.match(result.reason, /^function error \(\w+\): (Type)?Error: Cannot read properties of undefined \(reading 'id'\)$/);
      });
    }
  });
}
