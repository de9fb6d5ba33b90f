'use strict';

// `serverless prehook check` from the packed plugin: against the real serverless-offline
// (healthy, and BROKEN=true), and against a "deployed" function on a local Lambda API
// (`prehook-localaws lambda`) through AWS_ENDPOINT_URL_LAMBDA, with the credentials and region
// the framework resolves, in serverless@3 and osls.

const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { after, before, describe, it } = require('node:test');

const { CLIS, WORK, cleanEnv, edits, copyExample, localaws } = require('../lib/harness');
const { freePort, run, startGroup, stop, waitForPort } = require('../lib/processes');

const FUNCTION = 'website-dev-website';

function sls(cli, dir, args, env) {
  return run(process.execPath, [CLIS[cli], ...args], { cwd: dir, env: cleanEnv(env) });
}

/** `serverless offline` of serverless@3 in `dir`, with `BROKEN` set as given. */
async function startOffline(dir, broken, lambdaPort) {
  const [httpPort, websocketPort] = [await freePort(), await freePort()];
  const args = ['offline', 'start', '--host', '127.0.0.1', '--httpPort', httpPort, '--websocketPort', websocketPort];
  if (lambdaPort.fromFlag) args.push('--lambdaPort', lambdaPort.port);
  const child = startGroup(process.execPath, [CLIS['serverless@3'], ...args.map(String)], {
    cwd: dir,
    env: cleanEnv({ BROKEN: String(broken) }),
  });
  await waitForPort(child, lambdaPort.port, 90, 'serverless offline');
  return child;
}

/** A local Lambda API serving FUNCTION's published versions, each answering `reply`. */
async function startLambda(reply) {
  const child = startGroup(localaws(), [
    'lambda', '--function', FUNCTION, '--versions', '1,2,9,10,12', '--page-size', '2', '--reply', JSON.stringify(reply),
  ]);
  for (let i = 0; i < 100 && !/^lambda (\S+)$/m.test(child.output); i += 1) {
    if (child.exitCode !== null) throw new Error(`prehook-localaws lambda stopped: ${child.output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.url = child.output.match(/^lambda (\S+)$/m)[1];
  return child;
}

const HEALTHY = { statusCode: 200, headers: { 'content-type': 'text/html' }, body: '<h1>Welcome to our site</h1>' };
const BROKEN = { statusCode: 500, headers: { 'content-type': 'text/html' }, body: '' };

describe('serverless prehook check against serverless offline', () => {
  let healthy;
  let broken;
  let healthyDir;
  let brokenDir;
  let healthyPort;
  let brokenPort;

  before(async () => {
    healthyPort = await freePort();
    brokenPort = await freePort();
    healthyDir = copyExample('website', 'check-offline');
    // The broken copy names its port the way serverless-offline users do.
    brokenDir = copyExample(
      'website',
      'check-offline-broken',
      edits.replace('custom:\n', `custom:\n  serverless-offline:\n    lambdaPort: ${brokenPort}\n`)
    );
    [healthy, broken] = await Promise.all([
      startOffline(healthyDir, false, { port: healthyPort, fromFlag: true }),
      startOffline(brokenDir, true, { port: brokenPort, fromFlag: false }),
    ]);
  });

  after(async () => {
    await Promise.all([healthy, broken].filter(Boolean).map(stop));
  });

  it('passes a healthy service: one line per check and a summary, exit 0', async () => {
    const result = await sls('serverless@3', healthyDir, ['prehook', 'check', '--local', '--local-port', String(healthyPort)]);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.match(lines[0], /^PASS {2}website-dev-website:\$LATEST {2}GET \/healthcheck {2}200 {2}\d+ ms$/);
    assert.match(lines[1], /^PASS {2}website-dev-website:\$LATEST {2}GET \/ {2}200 {2}\d+ ms$/);
    assert.equal(lines[2], '2 checks passed');
  });

  it('prints one JSON document with --json', async () => {
    const result = await sls('serverless@3', healthyDir, [
      'prehook', 'check', '--endpoint', `http://127.0.0.1:${healthyPort}`, '--function', 'website', '--json',
    ]);
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.deepEqual(
      { passed: report.passed, checks: report.checks, failed: report.failed },
      { passed: true, checks: 2, failed: 0 }
    );
    assert.deepEqual(
      report.results.map((r) => [r.function, r.key, r.qualifier, r.check, r.passed, r.status, r.attempts]),
      [
        [FUNCTION, 'website', '$LATEST', 'GET /healthcheck', true, 200, 1],
        [FUNCTION, 'website', '$LATEST', 'GET /', true, 200, 1],
      ]
    );
  });

  it("fails a broken service with each check's reason, exit 1 (port from custom.serverless-offline)", async () => {
    const result = await sls('serverless@3', brokenDir, ['prehook', 'check', '--local']);
    assert.equal(result.status, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /^FAIL {2}website-dev-website:\$LATEST {2}GET \/healthcheck {2}500 {2}\d+ ms {2}3 attempts: expected status 200-399, got 500$/m);
    assert.match(result.stdout, /^2 checks, 2 failed$/m);
    // serverless@3 prints errors on stdout.
    const output = result.stdout + result.stderr;
    assert.match(output, /prehook check: 2 checks of 2 failed:/);
    assert.match(output, /website-dev-website:\$LATEST GET \/: .*body does not contain "Welcome to our site"/);
  });

  it('keeps stdout one JSON document when checks fail with --json, exit 1', async () => {
    const result = await sls('serverless@3', brokenDir, ['prehook', 'check', '--local', '--json']);
    assert.equal(result.status, 1, result.stdout + result.stderr);
    const report = JSON.parse(result.stdout);
    assert.deepEqual([report.passed, report.failed], [false, 2]);
    assert.equal(report.results[0].reason, 'expected status 200-399, got 500');
    assert.equal(report.results[0].attempts, 3);
  });

  it('names the checked functions when --function names another', async () => {
    const result = await sls('serverless@3', healthyDir, ['prehook', 'check', '--local', '--local-port', String(healthyPort), '-f', 'api']);
    assert.equal(result.status, 1);
    assert.match(result.stdout + result.stderr, /no checks configured for `api`: the functions with checks are website \(website-dev-website\)/);
  });
});

describe('serverless prehook check against a deployed version (local Lambda API)', () => {
  const credentials = path.join(WORK, 'check-credentials');
  let dir;
  let oslsDir;
  const awsEnv = (lambda) => ({
    AWS_ENDPOINT_URL_LAMBDA: lambda.url,
    AWS_SHARED_CREDENTIALS_FILE: credentials,
    AWS_CONFIG_FILE: path.join(WORK, 'check-no-config'),
  });

  before(() => {
    assert.ok(fs.existsSync(localaws()), `${localaws()} is missing`);
    fs.writeFileSync(credentials, '[checker]\naws_access_key_id = AKIDCHECKER\naws_secret_access_key = not-a-secret\n');
    dir = copyExample('website', 'check-deployed');
    oslsDir = copyExample('website', 'check-deployed-osls', edits.forOsls);
  });

  for (const cli of ['serverless@3', 'osls']) {
    it(`checks the latest published version with the profile and region given (${cli})`, async () => {
      const lambda = await startLambda(HEALTHY);
      try {
        const result = await sls(cli, cli === 'osls' ? oslsDir : dir, ['prehook', 'check', '--aws-profile', 'checker', '--region', 'eu-west-1'], awsEnv(lambda));
        assert.equal(result.status, 0, result.stdout + result.stderr);
        // Versions come two a page: 12 is only on the last one.
        assert.match(result.stdout, /^PASS {2}website-dev-website:12 {2}GET \/healthcheck {2}200 {2}\d+ ms$/m);
        assert.match(result.stdout, /^2 checks passed$/m);
        const invokes = lambda.output.match(/^invoke .*$/gm);
        assert.equal(invokes.length, 2);
        for (const line of invokes) {
          assert.match(line, /^invoke website-dev-website:12 credential=AKIDCHECKER\/\d{8}\/eu-west-1\/lambda\/aws4_request$/);
        }
      } finally {
        await stop(lambda);
      }
    });
  }

  it('reads secret references with the same credentials and region, and fails closed on one it cannot read', async () => {
    const secretDir = copyExample(
      'website',
      'check-deployed-secrets',
      edits.replace(
        '        - GET /healthcheck\n',
        '        - request:\n            path: /healthcheck\n            headers:\n              Authorization: { ssm: /website/check-token }\n' +
          '            query:\n              api_key: { secretsManager: website/api, key: checkKey }\n'
      )
    );
    const lambda = await startLambda(HEALTHY);
    // The token is there; the API key's secret is not (yet).
    const store = startGroup(localaws(), ['secrets', '--secure-parameter', '/website/check-token=Bearer e2e-SECRET-4b1d']);
    try {
      for (let i = 0; i < 100 && !/^secrets (\S+)$/m.test(store.output); i += 1) {
        if (store.exitCode !== null) throw new Error(`prehook-localaws secrets stopped: ${store.output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const url = store.output.match(/^secrets (\S+)$/m)[1];
      const env = { ...awsEnv(lambda), AWS_ENDPOINT_URL_SSM: url, AWS_ENDPOINT_URL_SECRETS_MANAGER: url };
      const result = await sls('serverless@3', secretDir, ['prehook', 'check', '--aws-profile', 'checker', '--region', 'eu-west-1', '--json'], env);
      assert.equal(result.status, 1, result.stdout + result.stderr);
      const report = JSON.parse(result.stdout);
      assert.deepEqual(
        report.results.map((r) => [r.check, r.passed, r.attempts, r.reason]),
        [
          ['GET /healthcheck', false, 1, "cannot read secret secretsManager:website/api#checkKey: ResourceNotFoundException: Secrets Manager can't find the specified secret."],
          ['GET /', true, 1, null],
        ]
      );
      // Both stores were asked with the caller's credentials and region; the check that needs
      // the missing secret was never sent.
      assert.match(store.output, /^read AmazonSSM\.GetParameter \/website\/check-token credential=AKIDCHECKER\/\d{8}\/eu-west-1\/ssm\/aws4_request$/m);
      assert.match(store.output, /^read secretsmanager\.GetSecretValue website\/api credential=AKIDCHECKER\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request$/m);
      assert.equal(lambda.output.match(/^invoke .*$/gm).length, 1);
      assert.ok(!result.stdout.includes('e2e-SECRET-4b1d') && !result.stderr.includes('e2e-SECRET-4b1d'));
    } finally {
      await Promise.all([stop(lambda), stop(store)]);
    }
  });

  it('fails a broken version given by --qualifier', async () => {
    const lambda = await startLambda(BROKEN);
    try {
      const result = await sls('serverless@3', dir, ['prehook', 'check', '--aws-profile', 'checker', '--qualifier', '9'], awsEnv(lambda));
      assert.equal(result.status, 1, result.stdout + result.stderr);
      assert.match(result.stdout, /^FAIL {2}website-dev-website:9 {2}GET \/healthcheck {2}500 .*expected status 200-399, got 500$/m);
      assert.match(lambda.output, /^invoke website-dev-website:9 credential=AKIDCHECKER\/\d{8}\/us-east-1\//m);
      assert.doesNotMatch(lambda.output, /:12 /);
    } finally {
      await stop(lambda);
    }
  });
});
