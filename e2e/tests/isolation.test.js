'use strict';

// The hook takes only what it needs from the service (README: "What the hook takes from your
// service"): every provider-level setting the framework applies to all functions, packaged by
// the real serverless@3 and osls, asserted on the compiled template row by row. Also: the
// hook's own VPC, `versionFunctions: false`, keeping a hand-written hook while migrating,
// provisioned concurrency, and `deploy --package`, which must not run the plugin again.
//
// The packages run by the frameworks' own code in one process per framework (the CLI's start-up
// paid once: e2e/lib/package-in-process.js); the deploys, and the package they start, run
// through the CLI.

const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { before, describe, it } = require('node:test');

const { edits, copyExample, packagesInProcess, runCommand, templatePath, cfnLintAll } = require('../lib/harness');

const HOOK = 'PreHookLambdaFunction';
const HOOK_ROLE = 'PreHookIamRole';
const WORKER = 'WorkerLambdaFunction';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/existing-service-role';
const LAYER = 'arn:aws:lambda:us-east-1:123456789012:layer:shared:3';
const KMS_KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const BOUNDARY = 'arn:aws:iam::123456789012:policy/boundary';
const ENI_ACTIONS = [
  'ec2:AssignPrivateIpAddresses',
  'ec2:CreateNetworkInterface',
  'ec2:DeleteNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:UnassignPrivateIpAddresses',
];

const afterLine = (line, lines) => edits.replace(line, `${line}${lines}`);
const underProvider = (lines) => afterLine('  timeout: 30\n', lines);
const forCli = (cli) => (cli === 'osls' ? edits.forOsls : (yml) => yml);

/** Every provider-level setting the framework applies to all functions, with a role ARN. */
const EVERY_PROVIDER_SETTING = underProvider(`  architecture: arm64
  versionFunctions: true
  environment:
    TABLE: orders
    GITHUB_TOKEN: ghp_not-a-real-token
  vpc:
    securityGroupIds: [sg-0123456789abcdef0]
    subnetIds: [subnet-0123456789abcdef0, subnet-0fedcba9876543210]
  layers:
    - ${LAYER}
  tracing:
    lambda: true
  kmsKeyArn: ${KMS_KEY}
  logs:
    lambda:
      logFormat: JSON
  logRetentionInDays: 14
  tags:
    team: shop
  stackTags:
    cost-center: "42"
  deploymentBucket:
    name: my-deployment-bucket
  iam:
    role: ${ROLE_ARN}
`);

// The packages of this file but the CLI's own cases (deploy, and its control), all in one
// process per framework (e2e/lib/harness.js packagesInProcess): the copies are made as the
// cases are defined, and the first case to ask packages them all.
const packages = packagesInProcess();

/** A copy of examples/worker with `editors` applied, packaged: resolves to its template. */
function packaged(cli, label, ...editors) {
  const dir = copyExample('worker', `${cli}-${label}`, forCli(cli), ...editors);
  const run = packages.add(cli, dir);
  return async () => {
    const result = await run();
    assert.equal(result.status, 0, result.output);
    return { dir, run: result, template: JSON.parse(fs.readFileSync(templatePath(dir), 'utf8')) };
  };
}

const dependsOn = (resource) => [].concat(resource.DependsOn || []);
const statementsOf = (role) => role.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement);

/**
 * The templates the cases below package, linted together by the last describe of this file:
 * one cfn-lint process for all of them (it spends seconds loading its schemas before it reads
 * a template). A case registers its template when it is defined and names it once packaged.
 */
const toLint = [];
function lintAfterwards(name, check = (t, findings) => assertLintClean(t, findings)) {
  const entry = { name, check, dir: undefined };
  toLint.push(entry);
  return entry;
}

/**
 * cfn-lint: no error, and no W3005 (a DependsOn a GetAtt or Ref already enforces) but on the
 * resources in `frameworksOwn`, which the framework writes so without the plugin too.
 */
function assertLintClean(t, findings, frameworksOwn = []) {
  t.diagnostic(`cfn-lint: ${findings.map((f) => `${f.Rule.Id} ${f.Location.Path.slice(0, 2).join('.')}`).join(', ') || 'nothing'}`);
  assert.deepEqual(findings.filter((f) => f.Level === 'Error'), []);
  assert.deepEqual(findings.filter((f) => f.Rule.Id === 'W3005' && !frameworksOwn.includes(f.Location.Path[1])), []);
  return findings;
}

for (const [cli, order] of [
  ['serverless@3', 'canary first'],
  ['serverless@3', 'prehook first'],
  ['osls', 'canary first'],
]) {
  describe(`every provider setting, ${cli}, ${order}`, () => {
    let dir;
    let template;
    let hook;
    let worker;
    const lint = lintAfterwards(`every provider setting, ${cli}, ${order}`);
    const editors = [EVERY_PROVIDER_SETTING];
    if (order === 'prehook first') editors.push(edits.prehookFirst);
    const packaging = packaged(cli, `every-setting-${order}`, ...editors);

    it('packages', async () => {
      ({ dir, template } = await packaging());
      lint.dir = dir;
      hook = template.Resources[HOOK];
      worker = template.Resources[WORKER];
    });

    it('environment: the hook has none of the service’s, only its own lifecycle event; the worker keeps both its own and the provider’s', () => {
      assert.deepEqual(hook.Properties.Environment, { Variables: { PREHOOK_LIFECYCLE_EVENT: 'BeforeAllowTraffic' } });
      assert.ok(!JSON.stringify(hook).includes('ghp_not-a-real-token'));
      assert.deepEqual(Object.keys(worker.Properties.Environment.Variables).sort(), ['BATCH_SIZE', 'BROKEN', 'GITHUB_TOKEN', 'TABLE']);
    });

    it('vpc: the hook runs outside it; the worker inside', () => {
      assert.equal(hook.Properties.VpcConfig, undefined);
      assert.deepEqual(worker.Properties.VpcConfig, {
        SecurityGroupIds: ['sg-0123456789abcdef0'],
        SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
      });
    });

    it('layers, tracing, kmsKeyArn, logs.lambda: not on the hook, on the worker', () => {
      for (const property of ['Layers', 'TracingConfig', 'KmsKeyArn', 'LoggingConfig']) {
        assert.equal(hook.Properties[property], undefined, property);
      }
      assert.deepEqual(worker.Properties.Layers, [LAYER]);
      assert.deepEqual(worker.Properties.TracingConfig, { Mode: 'Active' });
      assert.equal(worker.Properties.KmsKeyArn, KMS_KEY);
      // serverless@3 has no provider.logs.lambda (its schema only warns): osls compiles it.
      if (cli === 'osls') assert.deepEqual(worker.Properties.LoggingConfig, { LogFormat: 'JSON' });
    });

    it('architecture, memorySize, timeout: the hook’s own', () => {
      assert.deepEqual(hook.Properties.Architectures, ['x86_64']);
      assert.equal(hook.Properties.MemorySize, 128);
      assert.equal(hook.Properties.Timeout, 300);
      assert.equal(hook.Properties.Runtime, 'provided.al2023');
      assert.deepEqual(worker.Properties.Architectures, ['arm64']);
    });

    it('iam.role as an ARN: the hook keeps its dedicated role, without a redundant DependsOn', () => {
      assert.equal(worker.Properties.Role, ROLE_ARN);
      assert.deepEqual(hook.Properties.Role, { 'Fn::GetAtt': [HOOK_ROLE, 'Arn'] });
      assert.ok(!dependsOn(hook).includes(HOOK_ROLE), JSON.stringify(hook.DependsOn));
      assert.deepEqual(dependsOn(hook), ['PreHookLogGroup'], 'the log group exists before the hook writes to it');
      const role = template.Resources[HOOK_ROLE].Properties;
      assert.equal(role.PermissionsBoundary, undefined);
      assert.ok(!JSON.stringify(role).includes('ec2:'), 'no network-interface rights outside a VPC');
    });

    it('versionFunctions: the hook is not versioned, the worker is', () => {
      const versionsOf = (id) =>
        Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Version' && r.Properties.FunctionName.Ref === id);
      assert.equal(versionsOf(HOOK).length, 0);
      assert.equal(versionsOf(WORKER).length, 1);
      const alias = template.Resources.WorkerLambdaFunctionAliasLive;
      assert.deepEqual(alias.UpdatePolicy.CodeDeployLambdaAliasUpdate.BeforeAllowTrafficHook, { Ref: HOOK });
    });

    it('tags, logRetentionInDays, deploymentBucket: kept', () => {
      assert.deepEqual(hook.Properties.Tags, [{ Key: 'team', Value: 'shop' }]);
      assert.equal(template.Resources.PreHookLogGroup.Properties.RetentionInDays, 14);
      assert.equal(hook.Properties.Code.S3Bucket, 'my-deployment-bucket');
    });

    it('stackTags: kept for the deploy, which tags the stack and so every resource, the hook included', () => {
      const state = JSON.parse(fs.readFileSync(path.join(dir, '.serverless', 'serverless-state.json'), 'utf8'));
      assert.deepEqual(state.service.provider.stackTags, { 'cost-center': '42' });
    });
  });
}

for (const cli of ['serverless@3', 'osls']) {
  describe(`the hook's own VPC and the account's permissions boundary, ${cli}`, () => {
    let template;
    const lint = lintAfterwards(`the hook's own VPC, ${cli}`);
    const packaging = packaged(
      cli,
      'hook-vpc',
      underProvider(
        `  vpc:\n    securityGroupIds: [sg-00000000000000001]\n    subnetIds: [subnet-00000000000000001]\n  iam:\n    role:\n      permissionsBoundary: ${BOUNDARY}\n`
      ),
      afterLine('  prehook:\n', '    vpc:\n      securityGroupIds: [sg-0000000000000000a]\n      subnetIds: [subnet-0000000000000000a, subnet-0000000000000000b]\n')
    );

    it('packages', async () => {
      ({ dir: lint.dir, template } = await packaging());
    });

    it('puts the hook in the VPC custom.prehook.vpc names, not the provider’s', () => {
      assert.deepEqual(template.Resources[HOOK].Properties.VpcConfig, {
        SecurityGroupIds: ['sg-0000000000000000a'],
        SubnetIds: ['subnet-0000000000000000a', 'subnet-0000000000000000b'],
      });
      assert.deepEqual(template.Resources[WORKER].Properties.VpcConfig.SubnetIds, ['subnet-00000000000000001']);
    });

    it('grants the dedicated role the network-interface rights, under the boundary', () => {
      const role = template.Resources[HOOK_ROLE].Properties;
      assert.equal(role.PermissionsBoundary, BOUNDARY);
      assert.equal(role.ManagedPolicyArns, undefined);
      const eni = statementsOf(template.Resources[HOOK_ROLE]).find((s) => s.Action.includes('ec2:CreateNetworkInterface'));
      assert.deepEqual([...eni.Action].sort(), ENI_ACTIONS);
    });
  });

  describe(`provider.versionFunctions: false, ${cli}`, () => {
    let run;
    let template;
    // No E1010 either: the alias names a version the template publishes.
    const lint = lintAfterwards(`provider.versionFunctions: false, ${cli}`);
    const packaging = packaged(cli, 'unversioned', underProvider('  versionFunctions: false\n'));

    it('packages, and says the checked function is versioned anyway', async () => {
      ({ dir: lint.dir, run, template } = await packaging());
      assert.match(run.output.replace(/\s*\n\s*/g, ' '), /published as versions although provider\.versionFunctions is false/);
    });

    it('points the alias at a published version of the worker', () => {
      const alias = template.Resources.WorkerLambdaFunctionAliasLive;
      const [versionId] = alias.Properties.FunctionVersion['Fn::GetAtt'];
      assert.ok(versionId, JSON.stringify(alias.Properties.FunctionVersion));
      assert.equal(template.Resources[versionId].Type, 'AWS::Lambda::Version');
      assert.deepEqual(template.Resources[versionId].Properties.FunctionName, { Ref: WORKER });
    });
  });
}

describe('migrating: a hand-written hook kept beside ours, serverless@3', () => {
  let template;
  const lint = lintAfterwards('migrating: a hand-written hook kept beside ours, serverless@3');
  const packaging = packaged(
    'serverless@3',
    'hand-written-kept',
    afterLine('  prehook:\n', '    functionName: prehookChecks\n'),
    afterLine(
      'functions:\n',
      '  preHook:\n    handler: handler.handler\n  legacy:\n    handler: handler.handler\n    deploymentSettings:\n      type: AllAtOnce\n      alias: Live\n      preTrafficHook: preHook\n'
    )
  );

  it('packages with custom.prehook.functionName', async () => {
    ({ dir: lint.dir, template } = await packaging());
  });

  it('wires each alias to its own hook', () => {
    const hookOf = (alias) => template.Resources[alias].UpdatePolicy.CodeDeployLambdaAliasUpdate.BeforeAllowTrafficHook;
    assert.deepEqual(hookOf('WorkerLambdaFunctionAliasLive'), { Ref: 'PrehookChecksLambdaFunction' });
    assert.deepEqual(hookOf('LegacyLambdaFunctionAliasLive'), { Ref: 'PreHookLambdaFunction' });
    assert.equal(template.Resources.PrehookChecksLambdaFunction.Properties.Runtime, 'provided.al2023');
  });
});

/** No credentials, no profile, no metadata service: a deploy stops where it first needs AWS. */
const noAws = (dir) => ({
  HOME: dir,
  AWS_PROFILE: '',
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_SESSION_TOKEN: '',
  AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-credentials'),
  AWS_CONFIG_FILE: path.join(dir, 'no-config'),
  AWS_EC2_METADATA_DISABLED: 'true',
});
const PROVISIONED = afterLine('    handler: handler.handler\n', '    provisionedConcurrency: 1\n');
const PROVISIONED_ALIAS = 'WorkerProvConcLambdaAlias';
const SUMMARY = /prehook: worker \(worker-dev-worker\)/;

for (const cli of ['serverless@3', 'osls']) {
  describe(`provisioned concurrency, then deploy --package, ${cli}`, () => {
    let dir;
    let template;
    let packagedText;
    // No W3005 but the framework's own (on its provisioned-concurrency alias).
    const lint = lintAfterwards(`provisioned concurrency, ${cli}`, (t, findings) => assertLintClean(t, findings, [PROVISIONED_ALIAS]));
    const packaging = packaged(cli, 'provisioned', PROVISIONED);

    it('packages a checked function with provisionedConcurrency', async () => {
      ({ dir, template } = await packaging());
      lint.dir = dir;
      packagedText = fs.readFileSync(templatePath(dir), 'utf8');
      // serverless-plugin-canary-deployments 0.8 leaves provisioned concurrency to the
      // framework, which puts it on an alias of its own; both aliases name the new version.
      const live = template.Resources.WorkerLambdaFunctionAliasLive;
      const provisioned = template.Resources[PROVISIONED_ALIAS];
      assert.deepEqual(provisioned.Properties.ProvisionedConcurrencyConfig, { ProvisionedConcurrentExecutions: 1 });
      assert.deepEqual(provisioned.Properties.FunctionVersion, live.Properties.FunctionVersion);
      assert.deepEqual(live.UpdatePolicy.CodeDeployLambdaAliasUpdate.BeforeAllowTrafficHook, { Ref: HOOK });
    });

    if (cli === 'serverless@3') {
      const bareLint = lintAfterwards(`provisioned concurrency without either plugin: the framework writes that W3005, ${cli}`, (t, findings) => {
        const w3005 = findings.filter((f) => f.Rule.Id === 'W3005');
        t.diagnostic(`without the plugins: ${w3005.map((f) => f.Message).join('; ')}`);
        assert.deepEqual(w3005.map((f) => f.Location.Path[1]), [PROVISIONED_ALIAS]);
      });
      const bare = copyExample('worker', `${cli}-provisioned-bare`, PROVISIONED, edits.withoutCanary, edits.replace('  - serverless-prehook\n', ''));
      const packagingBare = packages.add(cli, bare);
      it('packages the same without either plugin', async () => {
        const run = await packagingBare();
        assert.equal(run.status, 0, run.output);
        bareLint.dir = bare;
      });

      it('a deploy without --package does package, and so runs the plugin (the control)', () => {
        const control = copyExample('worker', `${cli}-deploy-control`);
        const run = runCommand(cli, control, ['deploy'], noAws(control));
        assert.notEqual(run.status, 0, run.output);
        assert.match(run.output, SUMMARY);
        assert.match(run.output, /AWS provider credentials not found/);
      });
    }

    it('deploy --package runs neither the transform nor the injection again', (t) => {
      const run = runCommand(cli, dir, ['deploy', '--package', '.serverless'], noAws(dir));
      t.diagnostic(`deploy --package: exit ${run.status} after ${run.seconds.toFixed(1)} s`);
      assert.notEqual(run.status, 0, run.output);
      // It got as far as the deploy itself: the first AWS call needs the credentials.
      assert.match(run.output, /credentials/i, run.output);
      assert.doesNotMatch(run.output, SUMMARY, 'no transform summary: the plugin did not run');
      assert.equal(fs.readFileSync(templatePath(dir), 'utf8'), packagedText, 'the packaged template is untouched');
      const hooks = Object.values(template.Resources).filter(
        (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'bootstrap'
      );
      assert.equal(hooks.length, 1);
    });
  });
}

// After every case above (the deploy --package ones leave their templates as packaged).
describe(`cfn-lint, one process for the ${toLint.length} templates above: no errors, no W3005 but the framework's own`, () => {
  let findings;
  before(() => {
    findings = cfnLintAll(toLint.filter((entry) => entry.dir).map((entry) => templatePath(entry.dir)));
  });
  for (const entry of toLint) {
    it(entry.name, (t) => {
      assert.ok(entry.dir, 'packaged (see the case above)');
      entry.check(t, findings.get(path.resolve(templatePath(entry.dir))));
    });
  }
});
