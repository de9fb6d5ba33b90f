'use strict';

// The corpus (e2e/corpus/): services modelled on public serverless.yml files, each packaged as
// it is and with serverless-prehook added as a user would (serverless.prehook.yml). The plugin
// must keep everything the service had, wire each checked function, and keep the hook apart
// from the service's environment, VPC, layers and role; cfn-lint must find nothing new.
//
// Packaged by the frameworks' own code in one process per framework (e2e/lib/harness.js
// packagesInProcess: variables, .env files and every plugin as the CLI runs them, its start-up
// paid once); e2e/tests/package.test.js runs the CLI itself.

const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { before, describe, it } = require('node:test');
const yaml = require('js-yaml');

const { WORK, edits, packagesInProcess, templatePath, cfnLintAll } = require('../lib/harness');
const { readZip } = require('../../npm/serverless-prehook/testing/zip');

const CORPUS = path.join(__dirname, '..', 'corpus');
const SERVICES = fs
  .readdirSync(CORPUS)
  .filter((name) => fs.existsSync(path.join(CORPUS, name, 'serverless.prehook.yml')))
  .sort();
// osls reports version 4: services pinned to '3' get the harness's edit. Three run with osls
// too, to keep the corpus within its time budget; PREHOOK_CORPUS_OSLS=all runs every service
// with osls but the ones whose model uses what osls refuses.
const OSLS_REFUSES = {
  'alb-python': "frameworkVersion '^3.28.1'",
  'python-role-arn': 'provider.lambdaHashingVersion (removed in osls)',
};
const OSLS_SERVICES =
  process.env.PREHOOK_CORPUS_OSLS === 'all'
    ? SERVICES.filter((service) => !OSLS_REFUSES[service])
    : ['canary-hand-written-hook', 'provider-layers', 'vpc-esbuild'];
const RUNS = SERVICES.flatMap((service) =>
  ['serverless@3', ...(OSLS_SERVICES.includes(service) ? ['osls'] : [])].map((cli) => ({ service, cli }))
);
/** The framework's logical id of a function key (`naming.getNormalizedFunctionName`). */
const functionLogicalId = (key) =>
  `${key.charAt(0).toUpperCase()}${key.slice(1).replace(/-/g, 'Dash').replace(/_/g, 'Underscore')}LambdaFunction`;

/**
 * Logical ids that differ between two packages of the same service: a version's carries a
 * hash of its code, a REST API deployment's the time of packaging.
 */
const stableIds = (text) =>
  text.replace(/(LambdaVersion)[0-9A-Za-z]{20,}/g, '$1').replace(/(ApiGatewayDeployment)\d{10,}/g, '$1');

/** Copies a corpus service into the work folder as one variant ready to package. */
function copyCorpusService(service, variant, cli) {
  const dir = path.join(WORK, 'corpus', `${service}-${variant}-${cli.replace(/\W+/g, '')}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const source = path.join(CORPUS, service);
  fs.cpSync(source, dir, {
    recursive: true,
    filter: (file) =>
      !/[\\/](node_modules|\.serverless)([\\/]|$)/.test(file) &&
      !['SOURCE.md', 'serverless.prehook.yml'].includes(path.relative(source, file)),
  });
  const file = variant === 'prehook' ? 'serverless.prehook.yml' : 'serverless.yml';
  let yml = fs.readFileSync(path.join(source, file), 'utf8');
  if (cli === 'osls') yml = edits.forOsls(yml);
  fs.writeFileSync(path.join(dir, 'serverless.yml'), yml);
  return dir;
}

/**
 * The functions of serverless.prehook.yml as the user wrote them, with `${file(...)}` entries
 * of a `functions` list read from their files (the corpus uses no other variable there).
 */
function userConfig(service) {
  const dir = path.join(CORPUS, service);
  const config = yaml.load(fs.readFileSync(path.join(dir, 'serverless.prehook.yml'), 'utf8'));
  const entries = [].concat(config.functions || []).map((entry) => {
    const file = typeof entry === 'string' && /^\$\{file\(([^)]+)\)\}$/.exec(entry);
    return file ? yaml.load(fs.readFileSync(path.join(dir, file[1]), 'utf8')) : entry;
  });
  return { custom: config.custom || {}, functions: Object.assign({}, ...entries) };
}

/** What the service asks for: the checked functions with their own deploymentSettings. */
function expectations(service) {
  const { custom, functions } = userConfig(service);
  const prehook = custom.prehook || {};
  const defaults = prehook.deploymentSettings || {};
  const checked = Object.entries(functions)
    .filter(([, f]) => f.prehook && f.prehook !== false)
    .map(([key, f]) => ({ key, logicalId: functionLogicalId(key), settings: { ...defaults, ...(f.deploymentSettings || {}) } }));
  assert.ok(checked.length > 0, `${service}: serverless.prehook.yml checks no function`);
  return { checked, hookKey: prehook.functionName || 'preHook' };
}

const resourcesOfType = (template, type) =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

/** Every environment variable name the service's own functions get. */
function serviceEnvironmentNames(template) {
  return new Set(
    resourcesOfType(template, 'AWS::Lambda::Function').flatMap(([, f]) =>
      Object.keys((f.Properties.Environment && f.Properties.Environment.Variables) || {})
    )
  );
}

const asText = (value) => (typeof value === 'string' ? value : JSON.stringify(value));
const subText = (value) => asText(value && value['Fn::Sub'] !== undefined ? [].concat(value['Fn::Sub'])[0] : value);

/** The statements of every policy that applies to `roleId`, inline or attached. */
function roleStatements(template, roleId) {
  const role = template.Resources[roleId];
  const inline = (role.Properties.Policies || []).flatMap((p) => [].concat(p.PolicyDocument.Statement));
  const attached = Object.values(template.Resources)
    .filter((r) => ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'].includes(r.Type))
    .filter((r) => JSON.stringify(r.Properties.Roles || []).includes(JSON.stringify({ Ref: roleId })))
    .flatMap((r) => [].concat(r.Properties.PolicyDocument.Statement));
  return [...inline, ...attached];
}

const grantsInvoke = (statement) =>
  statement.Effect === 'Allow' &&
  [].concat(statement.Action || []).some((action) => ['lambda:InvokeFunction', 'lambda:*', '*'].includes(action));

/** cfn-lint findings that count: errors and warnings, keyed by rule and place. */
const findingKeys = (findings) =>
  new Set(
    findings
      .filter((f) => f.Level === 'Error' || f.Level === 'Warning')
      .map((f) => stableIds(`${f.Rule.Id} ${(f.Location.Path || []).join('/')}`))
  );

const runs = new Map();
let lint;

before(async () => {
  const started = Date.now();
  const packages = packagesInProcess();
  const added = RUNS.flatMap(({ service, cli }) =>
    ['original', 'prehook'].map((variant) => {
      const dir = copyCorpusService(service, variant, cli);
      return { key: `${service} ${cli} ${variant}`, dir, packaged: packages.add(cli, dir) };
    })
  );
  for (const { key, dir, packaged } of added) runs.set(key, { dir, ...(await packaged()) });
  const packaged = Date.now();
  // One cfn-lint process for every template: its start-up dominates a single small template.
  const files = [...runs.values()].filter((run) => run.status === 0).map((run) => templatePath(run.dir));
  lint = cfnLintAll(files);
  console.log(
    `corpus: ${runs.size} packages in ${((packaged - started) / 1000).toFixed(1)} s (one process per framework), ` +
      `cfn-lint of ${files.length} templates in ${((Date.now() - packaged) / 1000).toFixed(1)} s`
  );
});

for (const { service, cli } of RUNS) {
  describe(`corpus: ${service}, ${cli}`, () => {
    let original;
    let withPrehook;
    let prehookDir;
    let expected;
    let hookId;

    it('packages as it is and with serverless-prehook', (t) => {
      const plain = runs.get(`${service} ${cli} original`);
      const added = runs.get(`${service} ${cli} prehook`);
      assert.equal(plain.status, 0, `without the plugin:\n${plain.output}`);
      assert.equal(added.status, 0, `with the plugin:\n${added.output}`);
      original = JSON.parse(fs.readFileSync(templatePath(plain.dir), 'utf8'));
      withPrehook = JSON.parse(fs.readFileSync(templatePath(added.dir), 'utf8'));
      prehookDir = added.dir;
      expected = expectations(service);
      const count = (template) => Object.keys(template.Resources).length;
      t.diagnostic(
        `${service} (${cli}): ${count(original)} resources, ${count(withPrehook)} with the plugin; checked: ` +
          `${expected.checked.map((f) => f.key).join(', ')}; packaged in ${plain.seconds.toFixed(1)} s and ${added.seconds.toFixed(1)} s`
      );
    });

    it("keeps every resource and output of the service", () => {
      const kept = (template) =>
        new Map(Object.entries(template.Resources).map(([id, r]) => [stableIds(id), r.Type]));
      const after = kept(withPrehook);
      for (const [id, type] of kept(original)) {
        assert.equal(after.get(id), type, `resource ${id} (${type}) is kept`);
      }
      const outputs = (template) =>
        new Map(Object.entries(template.Outputs || {}).map(([id, o]) => [stableIds(id), stableIds(JSON.stringify(o.Value))]));
      const afterOutputs = outputs(withPrehook);
      for (const [id, value] of outputs(original)) {
        assert.equal(afterOutputs.get(id), value, `output ${id} is kept with its value`);
      }
    });

    it("leaves the service's functions as they were (their code aside)", () => {
      for (const [id, fn] of resourcesOfType(original, 'AWS::Lambda::Function')) {
        const after = withPrehook.Resources[id];
        // Code.S3Key holds the time of packaging.
        const { Code: _code, ...before } = fn.Properties;
        const { Code: _codeAfter, ...now } = after.Properties;
        assert.deepEqual(now, before, `${id}: properties (runtime, role, environment, VPC, layers, ...)`);
        assert.deepEqual(after.DependsOn, fn.DependsOn, `${id}: DependsOn`);
      }
    });

    it('wires each checked function: alias, deployment group, the hook before traffic, its own settings', () => {
      const aliases = resourcesOfType(withPrehook, 'AWS::Lambda::Alias');
      const hooks = new Set();
      for (const { key, logicalId, settings } of expected.checked) {
        assert.equal(withPrehook.Resources[logicalId]?.Type, 'AWS::Lambda::Function', `${key} is ${logicalId}`);
        const found = aliases.filter(([, a]) => JSON.stringify(a.Properties.FunctionName) === JSON.stringify({ Ref: logicalId }));
        assert.equal(found.length, 1, `${key} has one alias`);
        const [, alias] = found[0];
        assert.equal(alias.Properties.Name, settings.alias || 'Live', `${key}: alias name`);
        const update = alias.UpdatePolicy.CodeDeployLambdaAliasUpdate;
        assert.ok(update.BeforeAllowTrafficHook && update.BeforeAllowTrafficHook.Ref, `${key}: a BeforeAllowTraffic hook`);
        hooks.add(update.BeforeAllowTrafficHook.Ref);
        const group = withPrehook.Resources[update.DeploymentGroupName.Ref];
        assert.equal(group.Type, 'AWS::CodeDeploy::DeploymentGroup');
        // The canary plugin writes it as Fn::Sub of `CodeDeployDefault.Lambda${ConfigName}`.
        assert.deepEqual(group.Properties.DeploymentConfigName['Fn::Sub'][1], { ConfigName: settings.type || 'AllAtOnce' }, `${key}: deployment type`);
        if (settings.postTrafficHook) {
          assert.deepEqual(update.AfterAllowTrafficHook, { Ref: functionLogicalId(settings.postTrafficHook) }, `${key}: its own post-traffic hook`);
        }
        const alarms = (group.Properties.AlarmConfiguration && group.Properties.AlarmConfiguration.Alarms) || [];
        for (const alarm of settings.alarms || []) {
          assert.ok(alarms.some((a) => JSON.stringify(a).includes(JSON.stringify({ Ref: alarm }))), `${key}: its alarm ${alarm}`);
        }
      }
      assert.equal(hooks.size, 1, 'one hook for every checked function');
      [hookId] = hooks;
      assert.equal(hookId, functionLogicalId(expected.hookKey), 'the hook is the injected function');
      assert.equal(original.Resources[hookId], undefined, 'the hook is new, not a function of the service');

      const hookZip = withPrehook.Resources[hookId].Properties.Code.S3Key.split('/').pop();
      const entries = readZip(fs.readFileSync(path.join(prehookDir, '.serverless', hookZip)));
      const config = JSON.parse(entries.find((e) => e.name === 'prehook.json').data.toString('utf8'));
      const names = expected.checked.map((f) => withPrehook.Resources[f.logicalId].Properties.FunctionName);
      assert.deepEqual(Object.keys(config.functions).sort(), names.sort(), 'prehook.json checks exactly these functions');
    });

    it("gives the hook none of the service's environment, VPC or layers, nor its role", () => {
      const hook = withPrehook.Resources[hookId].Properties;
      const leaked = Object.keys((hook.Environment && hook.Environment.Variables) || {}).filter((name) =>
        serviceEnvironmentNames(original).has(name)
      );
      assert.deepEqual(leaked, [], 'environment variables of the service on the hook');
      assert.equal(hook.VpcConfig, undefined, 'the hook is not in the VPC');
      assert.deepEqual(hook.Layers || [], [], 'the hook has no layers');
      const roleId = hook.Role && hook.Role['Fn::GetAtt'] && hook.Role['Fn::GetAtt'][0];
      assert.ok(roleId, `the hook's role is one of the template: ${JSON.stringify(hook.Role)}`);
      assert.equal(original.Resources[roleId], undefined, `the hook has a role of its own, not ${roleId}`);
    });

    it('lets the hook invoke the checked functions and nothing else', () => {
      const roleId = withPrehook.Resources[hookId].Properties.Role['Fn::GetAtt'][0];
      const names = expected.checked.map((f) => withPrehook.Resources[f.logicalId].Properties.FunctionName);
      const invoked = roleStatements(withPrehook, roleId)
        .filter(grantsInvoke)
        .flatMap((s) => [].concat(s.Resource || '*'))
        .map((resource) => {
          const text = subText(resource);
          const match = /:function:([^:"]+)(?::\*)?$/.exec(text);
          assert.ok(match, `invoke on one function's versions, not ${text}`);
          return match[1];
        });
      assert.deepEqual([...new Set(invoked)].sort(), [...names].sort());
    });

    it('adds no cfn-lint error or warning to the service', (t) => {
      const plain = runs.get(`${service} ${cli} original`);
      assert.ok(lint.has(templatePath(plain.dir)) && lint.has(templatePath(prehookDir)), 'cfn-lint read both templates');
      const before = findingKeys(lint.get(templatePath(plain.dir)));
      const after = lint.get(templatePath(prehookDir));
      const added = after.filter((f) => (f.Level === 'Error' || f.Level === 'Warning') &&
        !before.has(stableIds(`${f.Rule.Id} ${(f.Location.Path || []).join('/')}`)));
      t.diagnostic(`${service} (${cli}): cfn-lint ${before.size} findings as it is, ${added.length} new with the plugin`);
      assert.deepEqual(added.map((f) => `${f.Rule.Id} at ${(f.Location.Path || []).join('/')}: ${f.Message}`), []);
    });
  });
}
