'use strict';

// examples/sam: the template that deploys the shipped hook as a SAM PreTraffic hook passes
// cfn-lint (which expands the SAM transform, so references to the resources SAM generates,
// such as WebsiteFunctionDeploymentGroup, are checked too); and the hook folder it deploys
// (bootstrap from the shipped zip + the committed prehook.json) passes the example's function
// when healthy and fails it when broken, through local CodeDeploy and Lambda endpoints.

const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const readline = require('readline');
const { describe, it, after } = require('node:test');

const { WORK, cfnLint } = require('../lib/harness');

const ROOT = path.join(__dirname, '..', '..');
const EXAMPLE = path.join(ROOT, 'examples', 'sam');
const VERSION = require('../../npm/serverless-prehook/package.json').version;
const SHIPPED_ZIP = path.join(ROOT, 'dist', 'hook', `prehook-${VERSION}-x86_64.zip`);
const LOCALAWS = process.env.PREHOOK_LOCALAWS;

describe('examples/sam', () => {
  it('template.yaml passes cfn-lint without errors or warnings', (t) => {
    const findings = cfnLint(path.join(EXAMPLE, 'template.yaml'));
    t.diagnostic(`cfn-lint: ${findings.length} findings`);
    assert.deepEqual(findings.filter((f) => f.Level !== 'Informational'), []);
  });

  const servers = [];
  after(() => servers.forEach((server) => server.kill()));

  /** The example's handler behind a local Lambda Invoke API; resolves to its URL. */
  async function serveFunction(env) {
    const server = spawn(process.execPath, [path.join(__dirname, '..', 'lib', 'invoke-server.mjs'), path.join(EXAMPLE, 'app', 'index.mjs')], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    servers.push(server);
    const { value: port } = await readline.createInterface({ input: server.stdout })[Symbol.asyncIterator]().next();
    assert.match(String(port), /^\d+$/, 'the invoke server prints its port');
    return `http://127.0.0.1:${port}`;
  }

  for (const [label, broken, verdict] of [
    ['passes a healthy version', 'false', 'Succeeded'],
    ['stops a broken version', 'true', 'Failed'],
  ]) {
    it(`its hook folder ${label}`, async (t) => {
      assert.ok(LOCALAWS, 'PREHOOK_LOCALAWS names the prehook-localaws binary (e2e/run.sh builds it)');
      const dir = path.join(WORK, 'sam');
      if (!fs.existsSync(path.join(dir, 'hook', 'bootstrap'))) {
        fs.cpSync(EXAMPLE, dir, { recursive: true, filter: (source) => !source.endsWith(`${path.sep}bootstrap`) });
        const got = spawnSync(path.join(dir, 'get-hook.sh'), [SHIPPED_ZIP], { encoding: 'utf8' });
        assert.equal(got.status, 0, got.stderr);
      }
      const endpoint = await serveFunction({ BROKEN: broken });
      const run = spawnSync(
        LOCALAWS,
        ['rehearse', '--bootstrap', path.join(dir, 'hook', 'bootstrap'), '--config', path.join(dir, 'hook', 'prehook.json'),
          '--function', 'prehook-sam-website', '--version', '2', '--alias', 'live', '--lambda-endpoint', endpoint, '--expect', verdict],
        { encoding: 'utf8', timeout: 120_000 }
      );
      t.diagnostic(run.stdout.trim().split('\n').pop());
      assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
      assert.match(run.stdout, new RegExp(`^verdict: ${verdict}`, 'm'));
      assert.match(run.stdout, /prehook-sam-website:2 home page/);
    });
  }
});
