'use strict';

// examples/sam: the template that deploys the shipped hook as a SAM PreTraffic and PostTraffic
// hook (two functions of the same code) passes cfn-lint (which expands the SAM transform, so
// references to the resources SAM generates, such as WebsiteFunctionDeploymentGroup, are checked
// too); and the hook folder it deploys (bootstrap from the shipped zip + the committed
// prehook.json), run as each hook function the template defines (its name and environment),
// passes the example's function when healthy, stops it before traffic when broken, and fails it
// after traffic when it breaks only then, through local CodeDeploy and Lambda endpoints.

const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const readline = require('readline');
const { describe, it, after } = require('node:test');

const { WORK, cfnLint, localaws } = require('../lib/harness');
const yaml = require('js-yaml');

const ROOT = path.join(__dirname, '..', '..');
const EXAMPLE = path.join(ROOT, 'examples', 'sam');
const VERSION = require('../../npm/serverless-prehook/package.json').version;
const SHIPPED_ZIP = path.join(ROOT, 'dist', 'hook', `prehook-${VERSION}-x86_64.zip`);

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

  // The two hook functions as the template defines them: name and PREHOOK_LIFECYCLE_EVENT.
  const CFN_TAGS = ['!Ref', '!Sub', '!GetAtt'].map(
    (tag) => new yaml.Type(tag, { kind: 'scalar', construct: (data) => ({ [tag]: data }) })
  );
  const template = yaml.load(fs.readFileSync(path.join(EXAMPLE, 'template.yaml'), 'utf8'), {
    schema: yaml.DEFAULT_SCHEMA.extend(CFN_TAGS),
  });
  const hooks = template.Resources.WebsiteFunction.Properties.DeploymentPreference.Hooks;
  const hookFunction = (key) => {
    const properties = template.Resources[hooks[key]['!Ref']].Properties;
    return { name: properties.FunctionName, env: properties.Environment.Variables.PREHOOK_LIFECYCLE_EVENT };
  };
  const pre = hookFunction('PreTraffic');
  const post = hookFunction('PostTraffic');

  it('wires two functions of the same code and role, each told its lifecycle event', () => {
    assert.deepEqual([pre.env, post.env], ['BeforeAllowTraffic', 'AfterAllowTraffic']);
    const [preProps, postProps] = ['PreTraffic', 'PostTraffic'].map((key) => template.Resources[hooks[key]['!Ref']].Properties);
    assert.equal(postProps.CodeUri, preProps.CodeUri);
    assert.deepEqual(postProps.Role, preProps.Role);
    const statements = template.Resources.HookRole.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement);
    const actions = statements.flatMap((s) => [].concat(s.Action));
    assert.ok(!actions.some((a) => /DeploymentTargets/.test(a)), actions.join(', '));
  });

  for (const [label, broken, event, verdict] of [
    ['passes a healthy version before traffic', 'false', 'BeforeAllowTraffic', 'Succeeded'],
    ['passes a healthy version after traffic', 'false', 'AfterAllowTraffic', 'Succeeded'],
    ['stops a broken version before traffic', 'true', 'BeforeAllowTraffic', 'Failed'],
    ['fails a version that breaks under traffic, after traffic', 'after-traffic', 'AfterAllowTraffic', 'Failed'],
  ]) {
    it(`its hook folder ${label}`, async (t) => {
      const dir = path.join(WORK, 'sam');
      if (!fs.existsSync(path.join(dir, 'hook', 'bootstrap'))) {
        fs.cpSync(EXAMPLE, dir, { recursive: true, filter: (source) => !source.endsWith(`${path.sep}bootstrap`) });
        const got = spawnSync(path.join(dir, 'get-hook.sh'), [SHIPPED_ZIP], { encoding: 'utf8' });
        assert.equal(got.status, 0, got.stderr);
      }
      const endpoint = await serveFunction({ BROKEN: broken });
      const run = spawnSync(
        localaws(),
        ['rehearse', '--bootstrap', path.join(dir, 'hook', 'bootstrap'), '--config', path.join(dir, 'hook', 'prehook.json'),
          '--function', 'prehook-sam-website', '--version', '2', '--alias', 'live', '--lambda-endpoint', endpoint, '--expect', verdict,
          '--event', event, '--hook-function', (event === 'BeforeAllowTraffic' ? pre : post).name,
          '--hook-env', `PREHOOK_LIFECYCLE_EVENT=${(event === 'BeforeAllowTraffic' ? pre : post).env}`,
          // The AppSpec names the hooks as the alias's UpdatePolicy refers to them (!Ref: the name).
          '--appspec-hook', `BeforeAllowTraffic=${pre.name}`, '--appspec-hook', `AfterAllowTraffic=${post.name}`],
        { encoding: 'utf8', timeout: 120_000 }
      );
      t.diagnostic(run.stdout.trim().split('\n').pop());
      assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
      assert.match(run.stdout, new RegExp(`^verdict: ${verdict}`, 'm'));
      assert.match(run.stdout, event === 'BeforeAllowTraffic' ? /prehook-sam-website:2 home page/ : /prehook-sam-website:2 status after traffic/);
    });
  }
});
