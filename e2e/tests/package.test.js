'use strict';

// `serverless package` of the examples with the packed plugin: what the template holds.

const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { before, describe, it } = require('node:test');

const { assertGate } = require('../lib/first-deploy');
const { CLIS, edits, copyExample, runPackage, templatePath, cfnLintAll } = require('../lib/harness');
const { readZip } = require('../../npm/serverless-prehook/testing/zip');

const VERSION = require('../../npm/serverless-prehook/package.json').version;
const HOOK = 'PreHookLambdaFunction';
const POST_HOOK = 'PreHookPostLambdaFunction';
const HOOK_ROLE = 'PreHookIamRole';

/**
 * What each example checks: function key → deployed name, event kind, alias logical id, checks
 * (and afterTraffic checks, which bring the post-traffic hook function).
 */
const EXAMPLES = {
  website: {
    functions: {
      website: { name: 'website-dev-website', event: 'apigateway', alias: 'WebsiteLambdaFunctionAliasLive', checks: 2, afterTraffic: 1 },
    },
    // `custom.prehook.alarms: true`: logical ids of the rollback alarms each deployment group watches.
    alarms: { WebsiteLambdaFunctionDeploymentGroup: ['WebsitePrehookErrorsAlarm', 'PrehookApiGateway5XXErrorAlarm'] },
  },
  worker: {
    functions: { worker: { name: 'worker-dev-worker', event: 'raw', alias: 'WorkerLambdaFunctionAliasLive', checks: 1 } },
  },
};

const sub = (value) => (value && value['Fn::Sub']) || value;

function assertHookFunction(template, dir, example) {
  const hook = template.Resources[HOOK];
  assert.equal(hook.Type, 'AWS::Lambda::Function');
  assert.equal(hook.Properties.Runtime, 'provided.al2023');
  assert.equal(hook.Properties.Handler, 'bootstrap');
  assert.deepEqual(hook.Properties.Architectures, ['x86_64']);
  assert.deepEqual(hook.Properties.Role, { 'Fn::GetAtt': [HOOK_ROLE, 'Arn'] });

  const zipName = hook.Properties.Code.S3Key.split('/').pop();
  assert.match(zipName, new RegExp(`^prehook-${VERSION.replace(/\./g, '\\.')}-x86_64-[0-9a-f]{12}\\.zip$`));
  const entries = readZip(fs.readFileSync(path.join(dir, '.serverless', zipName)));
  assert.deepEqual(entries.map((e) => e.name), ['bootstrap', 'prehook.json']);
  assert.equal(entries[0].mode & 0o777, 0o755, 'bootstrap is executable');
  assert.deepEqual([...entries[0].data.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], 'bootstrap is an ELF binary');

  const config = JSON.parse(entries[1].data.toString('utf8'));
  const expected = EXAMPLES[example].functions;
  assert.deepEqual(Object.keys(config.functions).sort(), Object.values(expected).map((f) => f.name).sort());
  for (const [key, f] of Object.entries(expected)) {
    assert.equal(config.functions[f.name].key, key);
    assert.equal(config.functions[f.name].event, f.event);
    assert.equal(config.functions[f.name].checks.length, f.checks);
    assert.equal((config.functions[f.name].afterTraffic || []).length, f.afterTraffic || 0);
  }

  // Each hook function knows which lifecycle event it serves; the post-traffic one exists only
  // with afterTraffic, and runs the same artifact with the same role.
  assert.deepEqual(hook.Properties.Environment, { Variables: { PREHOOK_LIFECYCLE_EVENT: 'BeforeAllowTraffic' } });
  const post = template.Resources[POST_HOOK];
  if (!Object.values(expected).some((f) => f.afterTraffic)) {
    assert.equal(post, undefined, 'no post-traffic hook function without afterTraffic');
    return;
  }
  assert.equal(post.Properties.FunctionName, `${example}-dev-preHookPost`);
  assert.deepEqual(post.Properties.Environment, { Variables: { PREHOOK_LIFECYCLE_EVENT: 'AfterAllowTraffic' } });
  for (const property of ['Code', 'Role', 'Runtime', 'Handler', 'Architectures', 'MemorySize', 'Timeout']) {
    assert.deepEqual(post.Properties[property], hook.Properties[property], property);
  }
}

/** The hook functions' deployed names: the post-traffic one only with afterTraffic. */
function hookNames(example) {
  const post = Object.values(EXAMPLES[example].functions).some((f) => f.afterTraffic);
  return [`${example}-dev-preHook`].concat(post ? [`${example}-dev-preHookPost`] : []);
}

function assertLeastPrivilege(template, example) {
  const resources = template.Resources;
  const role = resources[HOOK_ROLE].Properties;
  // Only Lambda may take the role; nothing is attached beside our one inline policy.
  assert.deepEqual(role.AssumeRolePolicyDocument.Statement, [
    { Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] },
  ]);
  assert.equal(role.ManagedPolicyArns, undefined, 'no managed policy');
  const statements = role.Policies.flatMap((p) => p.PolicyDocument.Statement);
  for (const statement of statements) {
    assert.equal(statement.Effect, 'Allow');
    assert.deepEqual(Object.keys(statement).sort(), ['Action', 'Effect', 'Resource'], 'no NotAction, NotResource nor Condition tricks');
    for (const action of statement.Action) assert.ok(!action.includes('*'), `no wildcard action: ${action}`);
    for (const resource of statement.Resource) assert.notEqual(sub(resource), '*', 'no * resource');
  }
  // Exactly these rights, and no other (no iam:PassRole, no lambda:UpdateAlias, ...).
  assert.deepEqual([...new Set(statements.flatMap((s) => s.Action))].sort(), [
    'codedeploy:GetApplicationRevision',
    'codedeploy:GetDeployment',
    'codedeploy:PutLifecycleEventHookExecutionStatus',
    'lambda:GetAlias',
    'lambda:InvokeFunction',
    'logs:CreateLogStream',
    'logs:PutLogEvents',
  ]);
  const actionsOf = (action) => statements.filter((s) => s.Action.includes(action)).flatMap((s) => s.Resource.map(sub));
  for (const resource of actionsOf('lambda:InvokeFunction')) {
    assert.match(resource, /:function:[\w-]+:\*$/, `invoke names one function (any version), not a wildcard: ${resource}`);
  }

  const names = Object.values(EXAMPLES[example].functions).map((f) => f.name);
  assert.deepEqual(
    actionsOf('lambda:InvokeFunction').sort(),
    names.map((n) => `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${n}:*`).sort(),
    'invoke only the checked functions, any version'
  );
  // The first-deploy gate reads whether each checked function's alias exists, and nothing else.
  assert.deepEqual(
    actionsOf('lambda:GetAlias').sort(),
    names
      .flatMap((n) => [`:function:${n}`, `:function:${n}:Live`])
      .map((f) => `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}${f}`)
      .sort(),
    'GetAlias only on the checked functions and their alias'
  );

  // CodeDeploy calls are scoped to the application and deployment groups in this very template.
  const [app] = Object.entries(resources).find(([, r]) => r.Type === 'AWS::CodeDeploy::Application');
  const groups = Object.values(resources)
    .filter((r) => r.Type === 'AWS::CodeDeploy::DeploymentGroup')
    .map((r) => r.Properties.DeploymentGroupName);
  const groupArns = groups.map(
    (g) => `arn:\${AWS::Partition}:codedeploy:\${AWS::Region}:\${AWS::AccountId}:deploymentgroup:\${${app}}/${g}`
  );
  for (const action of ['codedeploy:GetDeployment', 'codedeploy:PutLifecycleEventHookExecutionStatus']) {
    assert.deepEqual(actionsOf(action).sort(), groupArns.sort(), action);
  }
  assert.deepEqual(actionsOf('codedeploy:GetApplicationRevision'), [
    `arn:\${AWS::Partition}:codedeploy:\${AWS::Region}:\${AWS::AccountId}:application:\${${app}}`,
  ]);
  assert.deepEqual(
    actionsOf('logs:PutLogEvents'),
    hookNames(example).map((name) => `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${name}:*`)
  );

  // The application's own role gains no right to invoke or to report to CodeDeploy from us.
  const shared = JSON.stringify(resources.IamRoleLambdaExecution || {});
  assert.ok(!shared.includes('lambda:InvokeFunction'), 'the shared role cannot invoke');
  assert.ok(!shared.includes('codedeploy:'), 'the shared role gets no CodeDeploy right, not even the canary plugin\'s');
}

function assertAliases(template, example) {
  for (const f of Object.values(EXAMPLES[example].functions)) {
    const alias = template.Resources[f.alias];
    assert.equal(alias.Type, 'AWS::Lambda::Alias');
    const update = alias.UpdatePolicy.CodeDeployLambdaAliasUpdate;
    assert.deepEqual(update.BeforeAllowTrafficHook, { Ref: HOOK });
    assert.deepEqual(update.AfterAllowTrafficHook, f.afterTraffic ? { Ref: POST_HOOK } : undefined);
    assert.equal(template.Resources[update.DeploymentGroupName.Ref].Type, 'AWS::CodeDeploy::DeploymentGroup');
  }
}

function assertFirstDeployGates(template, example) {
  for (const [key, f] of Object.entries(EXAMPLES[example].functions)) {
    const logical = key[0].toUpperCase() + key.slice(1);
    const routing = assertGate(template, { gate: `${logical}PrehookFirstDeploy`, alias: f.alias, functionLogicalId: `${logical}LambdaFunction` });
    if (example === 'website') assert.ok(routing.some((id) => template.Resources[id].Type === 'AWS::ApiGateway::Method'), 'the API routes to the alias');
  }
}

function assertAlarms(template, example) {
  const expected = EXAMPLES[example].alarms || {};
  for (const [group, alarms] of Object.entries(expected)) {
    assert.deepEqual(template.Resources[group].Properties.AlarmConfiguration, {
      Alarms: alarms.map((id) => ({ Name: { Ref: id } })),
      Enabled: true,
    });
    for (const id of alarms) assert.equal(template.Resources[id].Type, 'AWS::CloudWatch::Alarm');
  }
  const all = Object.values(template.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
  assert.equal(all.length, Object.values(expected).flat().length, 'no other alarm');
}

/** Every packaged case, linted together at the end (see `cfn-lint, one run` below). */
const lintCases = [];

for (const cli of Object.keys(CLIS)) {
  for (const example of Object.keys(EXAMPLES)) {
    for (const order of ['canary first', 'prehook first']) {
      describe(`${example}, ${cli}, ${order}`, () => {
        const editors = [cli === 'osls' ? edits.forOsls : (yml) => yml];
        if (order === 'prehook first') editors.push(edits.prehookFirst);
        let dir;
        let run;
        let template;

        it('packages', (t) => {
          dir = copyExample(example, `${cli}-${order}`, ...editors);
          run = runPackage(cli, dir);
          t.diagnostic(`serverless package took ${run.seconds.toFixed(1)} s`);
          assert.equal(run.status, 0, run.output);
          template = JSON.parse(fs.readFileSync(templatePath(dir), 'utf8'));
          for (const [key, f] of Object.entries(EXAMPLES[example].functions)) {
            assert.match(run.output, new RegExp(`prehook: ${key} \\(${f.name}\\): ${f.event}, ${f.checks} checks?`));
          }
        });

        it('injects the hook function with its artifact', () => assertHookFunction(template, dir, example));
        it('grants the hook least privilege on a role of its own', () => assertLeastPrivilege(template, example));
        it('makes the hooks the BeforeAllowTraffic (and AfterAllowTraffic) hooks of every checked alias', () =>
          assertAliases(template, example));
        it('adds the rollback alarms the example asks for, watched by the deployment group', () => assertAlarms(template, example));
        it('puts the first-deploy gate before every checked alias and what routes to it', () => assertFirstDeployGates(template, example));
        lintCases.push({ label: `${example}, ${cli}, ${order}`, dir: () => dir });
      });
    }
  }
}

// Post-traffic checks (examples/website has afterTraffic) and a skip on purpose, in one package
// run: the post-traffic hook is the alias's AfterAllowTrafficHook, neither hook may read
// deployment targets, and the zip both run carries the skip.
describe('website with afterTraffic and PREHOOK_SKIP, serverless@3', () => {
  let dir;
  let run;
  let template;

  it('packages, with a loud warning', (t) => {
    dir = copyExample('website', 'after-traffic-skip');
    run = runPackage('serverless@3', dir, { PREHOOK_SKIP: 'hotfix #123, approved by X' });
    t.diagnostic(`serverless package took ${run.seconds.toFixed(1)} s`);
    assert.equal(run.status, 0, run.output);
    template = JSON.parse(fs.readFileSync(templatePath(dir), 'utf8'));
    assert.match(run.output, /prehook: website \(website-dev-website\): apigateway, 2 checks \(GET \/healthcheck, GET \/\), 1 after traffic \(GET \/status\)/);
    assert.match(run.output.replace(/\s*\n\s*/g, ' '), /PREHOOK_SKIP is set: the hook will report Succeeded for the deployments of this package WITHOUT running any check \(reason: "hotfix #123, approved by X"\)/);
  });

  it('makes the pre- and the post-traffic hook functions the traffic hooks of the alias', () => {
    const update = template.Resources.WebsiteLambdaFunctionAliasLive.UpdatePolicy.CodeDeployLambdaAliasUpdate;
    assert.deepEqual(update.BeforeAllowTrafficHook, { Ref: HOOK });
    assert.deepEqual(update.AfterAllowTrafficHook, { Ref: POST_HOOK });
  });

  it('lets neither hook read deployment targets: each knows its lifecycle event', () => {
    const statements = template.Resources[HOOK_ROLE].Properties.Policies.flatMap((p) => p.PolicyDocument.Statement);
    const actions = statements.flatMap((s) => s.Action);
    for (const action of ['codedeploy:ListDeploymentTargets', 'codedeploy:BatchGetDeploymentTargets']) {
      assert.ok(!actions.includes(action), action);
    }
    assert.equal(template.Resources[POST_HOOK].Properties.Environment.Variables.PREHOOK_LIFECYCLE_EVENT, 'AfterAllowTraffic');
    assert.ok(!JSON.stringify(template.Resources.IamRoleLambdaExecution || {}).includes('codedeploy:'));
  });

  it('ships prehook.json with the afterTraffic checks and the skip', () => {
    const zipName = template.Resources[HOOK].Properties.Code.S3Key.split('/').pop();
    const entries = readZip(fs.readFileSync(path.join(dir, '.serverless', zipName)));
    const config = JSON.parse(entries.find((e) => e.name === 'prehook.json').data.toString('utf8'));
    assert.deepEqual(config.skip, { reason: 'hotfix #123, approved by X', setting: 'PREHOOK_SKIP' });
    assert.deepEqual(config.functions['website-dev-website'].afterTraffic.map((c) => c.name), ['GET /status']);
  });

  lintCases.push({ label: 'website with afterTraffic and PREHOOK_SKIP, serverless@3', dir: () => dir });
});

// Secret references: the package holds the references only, the hook's role may read exactly
// those, a literal credential warns, and the template passes cfn-lint (below).
describe('website with secret references, osls', () => {
  const withSecrets = edits.replace(
    '        - GET /healthcheck\n',
    '        - request:\n            path: /healthcheck\n            headers:\n' +
      '              Authorization: { ssm: /website/check-token }\n              X-Api-Key: written-in-plain-text\n' +
      '            query:\n              api_key: { secretsManager: website/api, key: checkKey }\n'
  );
  let dir;
  let run;
  let template;

  it('packages, warning about the literal credential', (t) => {
    dir = copyExample('website', 'secrets', withSecrets, edits.forOsls);
    run = runPackage('osls', dir);
    t.diagnostic(`serverless package took ${run.seconds.toFixed(1)} s`);
    assert.equal(run.status, 0, run.output);
    template = JSON.parse(fs.readFileSync(templatePath(dir), 'utf8'));
    assert.match(
      run.output.replace(/\s*\n\s*/g, ' '),
      /functions\.website\.prehook\.checks\[0\]\.request\.headers\.X-Api-Key: looks like a credential written as plain text/
    );
    assert.doesNotMatch(run.output, /headers\.Authorization: looks like/);
  });

  it('lets the hook read exactly the referenced parameter and secret', () => {
    const statements = template.Resources[HOOK_ROLE].Properties.Policies.flatMap((p) => p.PolicyDocument.Statement);
    const resources = (action) => statements.filter((s) => s.Action.includes(action)).flatMap((s) => s.Resource.map(sub));
    assert.deepEqual(resources('ssm:GetParameter'), [
      'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/website/check-token',
    ]);
    assert.deepEqual(resources('secretsmanager:GetSecretValue'), [
      'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:website/api-??????',
    ]);
    assert.ok(!JSON.stringify(template.Resources.IamRoleLambdaExecution || {}).match(/ssm:|secretsmanager:/));
  });

  it('ships the references in prehook.json, not values', () => {
    const zipName = template.Resources[HOOK].Properties.Code.S3Key.split('/').pop();
    const entries = readZip(fs.readFileSync(path.join(dir, '.serverless', zipName)));
    const config = JSON.parse(entries.find((e) => e.name === 'prehook.json').data.toString('utf8'));
    const request = config.functions['website-dev-website'].checks[0].request;
    assert.deepEqual(request.headers.Authorization, { ssm: '/website/check-token' });
    assert.deepEqual(request.query, { api_key: { secretsManager: 'website/api', key: 'checkKey' } });
  });

  lintCases.push({ label: 'website with secret references, osls', dir: () => dir });
});

// One cfn-lint process for every template packaged above: its start-up (loading the resource
// schemas) costs seconds, paid once instead of once per case.
describe('cfn-lint, one run over every packaged template', () => {
  let findings;
  before(() => {
    const files = lintCases.map((c) => c.dir() && templatePath(c.dir())).filter((file) => file && fs.existsSync(file));
    findings = cfnLintAll(files);
  });

  for (const c of lintCases) {
    it(`${c.label}: passes cfn-lint without errors, and without W3005 on the hook`, (t) => {
      const file = c.dir() && templatePath(c.dir());
      assert.ok(file && findings.has(path.resolve(file)), `${c.label}: no packaged template to lint`);
      const all = findings.get(path.resolve(file));
      const errors = all.filter((f) => f.Level === 'Error');
      t.diagnostic(`cfn-lint: ${errors.length} errors, ${all.length - errors.length} warnings or notes`);
      assert.deepEqual(errors, []);
      // The framework adds the role of a function with a `role` of its own to DependsOn, where
      // the Role's GetAtt already orders them: the plugin drops it.
      assert.deepEqual(all.filter((f) => f.Rule.Id === 'W3005'), []);
    });
  }
});
