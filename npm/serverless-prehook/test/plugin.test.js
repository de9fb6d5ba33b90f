'use strict';

// The plugin class inside a real Serverless v3 instance with the real canary plugin:
// what ends up in the compiled template, and how bad config stops packaging.

const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { after, describe, it } = require('node:test');

const { packageService, service, cleanup } = require('../testing/helpers');
const { readZip } = require('../testing/zip');

after(cleanup);

const website = {
  handler: 'handler.handler',
  events: [{ http: 'ANY /' }, { http: 'ANY /{proxy+}' }],
  prehook: {
    checks: ['GET /healthcheck', { request: 'GET /', expect: { status: 200, bodyContains: 'Welcome' } }],
  },
};
const worker = { handler: 'handler.worker', prehook: true };

function statementsOf(role) {
  return role.Properties.Policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

describe('serverless package with serverless-prehook', () => {
  for (const pluginsReversed of [false, true]) {
    it(`injects the hook, its role and the aliases' hooks (plugins ${pluginsReversed ? 'prehook first' : 'canary first'})`, async () => {
      const { template, serviceDir } = await packageService(
        service({ functions: { website, worker }, pluginsReversed })
      );
      const resources = template.Resources;

      const hook = resources.PreHookLambdaFunction;
      assert.equal(hook.Type, 'AWS::Lambda::Function');
      assert.equal(hook.Properties.Handler, 'bootstrap');
      assert.equal(hook.Properties.Runtime, 'provided.al2023');
      assert.deepEqual(hook.Properties.Architectures, ['x86_64']);
      assert.deepEqual(hook.Properties.Role, { 'Fn::GetAtt': ['PreHookIamRole', 'Arn'] });
      const zipName = hook.Properties.Code.S3Key.split('/').pop();
      assert.match(zipName, /^prehook-0\.1\.0-x86_64-[0-9a-f]{12}\.zip$/);

      const zip = readZip(fs.readFileSync(path.join(serviceDir, '.serverless', zipName)));
      assert.deepEqual(zip.map((entry) => entry.name), ['bootstrap', 'prehook.json']);
      assert.equal(zip[0].mode & 0o777, 0o755);
      const config = JSON.parse(zip[1].data.toString('utf8'));
      assert.deepEqual(Object.keys(config.functions), ['shop-dev-website', 'shop-dev-worker']);
      assert.equal(config.functions['shop-dev-website'].checks[1].expect.bodyContains[0], 'Welcome');
      assert.equal(config.functions['shop-dev-worker'].event, 'raw');

      for (const key of ['Website', 'Worker']) {
        const alias = resources[`${key}LambdaFunctionAliasLive`];
        assert.ok(alias, `${key} has an alias`);
        assert.deepEqual(alias.UpdatePolicy.CodeDeployLambdaAliasUpdate.BeforeAllowTrafficHook, {
          Ref: 'PreHookLambdaFunction',
        });
        // A new alias waits for the hook's first-deploy gate on the version it will point at.
        const gate = resources[`${key}PrehookFirstDeploy`];
        assert.equal(gate.Type, 'Custom::PrehookFirstDeploy');
        assert.deepEqual(gate.Properties.Version, alias.Properties.FunctionVersion);
        assert.deepEqual(gate.Properties.ServiceToken, { 'Fn::GetAtt': ['PreHookLambdaFunction', 'Arn'] });
        assert.deepEqual(alias.DependsOn, [`${key}PrehookFirstDeploy`]);
      }

      const statements = statementsOf(resources.PreHookIamRole);
      for (const statement of statements) {
        for (const action of statement.Action) assert.ok(!action.includes('*'), action);
      }
      const invoke = statements.find((s) => s.Action.includes('lambda:InvokeFunction'));
      assert.deepEqual(
        invoke.Resource.map((r) => r['Fn::Sub']),
        ['shop-dev-website', 'shop-dev-worker'].map(
          (name) => `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${name}:*`
        )
      );
      const report = statements.find((s) => s.Action.includes('codedeploy:PutLifecycleEventHookExecutionStatus'));
      for (const resource of report.Resource) {
        assert.match(resource['Fn::Sub'], /:deploymentgroup:\$\{ShopdevDeploymentApplication\}\/shop-dev-\w+DeploymentGroup$/);
      }
      assert.ok(resources.ShopdevDeploymentApplication, 'the canary plugin created the application we scope to');

      // The application's own role gains no invoke or CodeDeploy right, not even the canary
      // plugin's grant for hooks: the hook has its own role.
      const shared = JSON.stringify(resources.IamRoleLambdaExecution);
      assert.ok(!shared.includes('lambda:InvokeFunction'), shared);
      assert.ok(!shared.includes('codedeploy:'), shared);
    });
  }

  it('puts the statements into the legacy iamRoleStatements when the service uses them', async () => {
    const { template } = await packageService(
      service({
        functions: { worker },
        custom: { prehook: { iam: 'shared' } },
        provider: {
          iamRoleStatements: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::assets/*' }],
        },
      })
    );
    const resources = template.Resources;
    assert.equal(resources.PreHookIamRole, undefined);
    assert.equal(resources.PreHookLambdaFunction.Properties.Role['Fn::GetAtt'][0], 'IamRoleLambdaExecution');
    const statements = statementsOf(resources.IamRoleLambdaExecution);
    const actions = statements.flatMap((s) => s.Action);
    assert.ok(actions.includes('s3:GetObject'), 'the user statement is kept');
    assert.ok(actions.includes('lambda:InvokeFunction'));
    assert.ok(actions.includes('codedeploy:GetApplicationRevision'));
  });

  it("keeps the user's deploymentSettings, and the shared role's grant their own post-traffic hook needs", async () => {
    const { template } = await packageService(
      service({
        functions: {
          website: {
            ...website,
            deploymentSettings: { type: 'Linear10PercentEvery1Minute', alias: 'Current', postTrafficHook: 'smoke' },
          },
          smoke: { handler: 'handler.smoke' },
        },
      })
    );
    const shared = JSON.stringify(template.Resources.IamRoleLambdaExecution);
    assert.ok(shared.includes('codedeploy:PutLifecycleEventHookExecutionStatus'), shared);
    assert.deepEqual(template.Resources.WebsiteLambdaFunctionAliasCurrent.UpdatePolicy.CodeDeployLambdaAliasUpdate.AfterAllowTrafficHook, {
      Ref: 'SmokeLambdaFunction',
    });
    const group = template.Resources.WebsiteLambdaFunctionDeploymentGroup;
    assert.deepEqual(group.Properties.DeploymentConfigName['Fn::Sub'][1], { ConfigName: 'Linear10PercentEvery1Minute' });
    assert.ok(template.Resources.WebsiteLambdaFunctionAliasCurrent);
  });

  it('deploys a post-traffic hook function for afterTraffic, the post-traffic hook of that function only', async () => {
    const { template } = await packageService(
      service({
        provider: { environment: { SECRET_TABLE: 'orders' } },
        functions: { website: { ...website, prehook: { ...website.prehook, afterTraffic: ['GET /smoke'] } }, worker },
      })
    );
    const resources = template.Resources;
    const update = (key) => resources[`${key}LambdaFunctionAliasLive`].UpdatePolicy.CodeDeployLambdaAliasUpdate;
    assert.deepEqual(update('Website').BeforeAllowTrafficHook, { Ref: 'PreHookLambdaFunction' });
    assert.deepEqual(update('Website').AfterAllowTrafficHook, { Ref: 'PreHookPostLambdaFunction' });
    assert.equal(update('Worker').AfterAllowTrafficHook, undefined);

    // Two functions of the same artifact and role, each told which event it serves, and given
    // nothing of the service's environment.
    const pre = resources.PreHookLambdaFunction.Properties;
    const post = resources.PreHookPostLambdaFunction.Properties;
    assert.equal(post.FunctionName, 'shop-dev-preHookPost');
    assert.deepEqual(post.Code, pre.Code);
    assert.deepEqual(post.Role, pre.Role);
    assert.deepEqual(pre.Environment, { Variables: { PREHOOK_LIFECYCLE_EVENT: 'BeforeAllowTraffic' } });
    assert.deepEqual(post.Environment, { Variables: { PREHOOK_LIFECYCLE_EVENT: 'AfterAllowTraffic' } });

    // Neither asks CodeDeploy which event it serves: no deployment-target rights; both log.
    const statements = statementsOf(resources.PreHookIamRole);
    const actions = statements.flatMap((s) => s.Action);
    assert.ok(!actions.includes('codedeploy:ListDeploymentTargets'), actions.join(', '));
    assert.ok(!actions.includes('codedeploy:BatchGetDeploymentTargets'), actions.join(', '));
    const logs = statements.find((s) => s.Action.includes('logs:PutLogEvents'));
    assert.deepEqual(
      logs.Resource.map((r) => r['Fn::Sub']),
      ['shop-dev-preHook', 'shop-dev-preHookPost'].map(
        (name) => `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${name}:*`
      )
    );
    // Our own post-traffic hook needs nothing from the shared role.
    assert.ok(!JSON.stringify(resources.IamRoleLambdaExecution).includes('codedeploy:'));
  });

  it('deploys no post-traffic hook function without afterTraffic', async () => {
    const { template } = await packageService(service({ functions: { website, worker } }));
    assert.equal(template.Resources.PreHookPostLambdaFunction, undefined);
    assert.equal(template.Resources.WebsiteLambdaFunctionAliasLive.UpdatePolicy.CodeDeployLambdaAliasUpdate.AfterAllowTrafficHook, undefined);
  });

  it('refuses to replace a post-traffic hook of the user\'s with afterTraffic', async () => {
    await assert.rejects(
      packageService(
        service({
          functions: {
            website: { ...website, prehook: { afterTraffic: ['GET /smoke'] }, deploymentSettings: { postTrafficHook: 'smoke' } },
            smoke: { handler: 'handler.smoke' },
          },
        })
      ),
      (error) => {
        assert.equal(error.code, 'PREHOOK_INVALID_CONFIG');
        assert.match(
          error.message,
          /functions\.website\.deploymentSettings\.postTrafficHook: names the function "smoke", but functions\.website\.prehook\.afterTraffic makes serverless-prehook the post-traffic hook of `website`/
        );
        return true;
      }
    );
  });

  it('stops with every problem and its YAML path', async () => {
    await assert.rejects(
      packageService(
        service({
          functions: {
            website: { ...website, prehook: { checks: [{ request: 'GET /', expect: { status: 700 } }] } },
            worker: { ...worker, deploymentSettings: { preTrafficHook: 'website' } },
          },
        })
      ),
      (error) => {
        assert.equal(error.code, 'PREHOOK_INVALID_CONFIG');
        assert.match(error.message, /found 2 problems/);
        assert.match(error.message, /functions\.website\.prehook\.checks\[0\]\.expect\.status: expected status codes from 100 to 599, got 700/);
        assert.match(error.message, /functions\.worker\.deploymentSettings\.preTrafficHook: names the function "website"/);
        return true;
      }
    );
  });

  it('says to install and list the canary plugin when it is missing', async () => {
    await assert.rejects(packageService(service({ functions: { worker }, withCanary: false })), (error) => {
      assert.equal(error.code, 'PREHOOK_CANARY_PLUGIN_MISSING');
      assert.match(error.message, /npm install --save-dev serverless-plugin-canary-deployments/);
      assert.match(error.message, /list it under `plugins`/);
      return true;
    });
  });

  it('leaves a service without checks alone', async () => {
    const { template } = await packageService(service({ functions: { api: { handler: 'handler.handler' } } }));
    assert.equal(template.Resources.PreHookLambdaFunction, undefined);
  });
});

describe('PREHOOK_SKIP', () => {
  /** Packages the website with PREHOOK_SKIP set to `value`; returns prehook.json and the warnings logged. */
  async function packageWithSkip(value) {
    const previous = process.env.PREHOOK_SKIP;
    const warnings = [];
    process.env.PREHOOK_SKIP = value;
    try {
      const { template, serviceDir } = await packageService(service({ functions: { website } }), {
        beforeRun(serverless) {
          const plugin = serverless.pluginManager.plugins.find((p) => p.constructor.name === 'ServerlessPrehook');
          const ignore = () => {};
          plugin.log = { notice: ignore, info: ignore, error: ignore, warning: (message) => warnings.push(message) };
        },
      });
      const zipName = template.Resources.PreHookLambdaFunction.Properties.Code.S3Key.split('/').pop();
      const zip = readZip(fs.readFileSync(path.join(serviceDir, '.serverless', zipName)));
      return { config: JSON.parse(zip[1].data.toString('utf8')), warnings };
    } finally {
      if (previous === undefined) delete process.env.PREHOOK_SKIP;
      else process.env.PREHOOK_SKIP = previous;
    }
  }

  it('puts the reason into prehook.json and warns at package time', async () => {
    const { config, warnings } = await packageWithSkip('hotfix #123, approved by X');
    assert.deepEqual(config.skip, { reason: 'hotfix #123, approved by X', setting: 'PREHOOK_SKIP' });
    assert.deepEqual(Object.keys(config.functions), ['shop-dev-website'], 'the checks stay in the config');
    assert.equal(warnings.length, 1, warnings);
    assert.match(warnings[0], /^prehook: PREHOOK_SKIP is set: the hook will report Succeeded for the deployments of this package WITHOUT running any check \(reason: "hotfix #123, approved by X"\)/);
  });

  it('treats an empty value as not set', async () => {
    const { config, warnings } = await packageWithSkip('  ');
    assert.equal(config.skip, undefined);
    assert.deepEqual(warnings, []);
  });
});

describe('secret references in checks', () => {
  it('packages the references, never a value, grants exactly their reads and warns about literal credentials', async () => {
    const warnings = [];
    const api = {
      handler: 'handler.handler',
      events: [{ httpApi: 'GET /orders' }],
      prehook: {
        checks: [
          {
            request: {
              path: '/orders',
              headers: { Authorization: { ssm: '/shop/check-token' }, 'X-Legacy-Token': 'written-in-plain-text' },
              query: { api_key: { secretsManager: 'shop/api', key: 'checkKey' } },
            },
          },
        ],
      },
    };
    const { template, serviceDir } = await packageService(service({ functions: { api } }), {
      beforeRun(serverless) {
        const plugin = serverless.pluginManager.plugins.find((p) => p.constructor.name === 'ServerlessPrehook');
        const ignore = () => {};
        plugin.log = { notice: ignore, info: ignore, error: ignore, warning: (message) => warnings.push(message) };
      },
    });
    const zipName = template.Resources.PreHookLambdaFunction.Properties.Code.S3Key.split('/').pop();
    const zip = readZip(fs.readFileSync(path.join(serviceDir, '.serverless', zipName)));
    const request = JSON.parse(zip[1].data.toString('utf8')).functions['shop-dev-api'].checks[0].request;
    assert.deepEqual(request.headers.Authorization, { ssm: '/shop/check-token' });
    assert.deepEqual(request.query.api_key, { secretsManager: 'shop/api', key: 'checkKey' });

    const statements = statementsOf(template.Resources.PreHookIamRole);
    const read = (action) => statements.filter((s) => s.Action.includes(action)).flatMap((s) => s.Resource);
    assert.deepEqual(read('ssm:GetParameter'), [
      { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/shop/check-token' },
    ]);
    assert.deepEqual(read('secretsmanager:GetSecretValue'), [
      { 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:shop/api-??????' },
    ]);
    assert.ok(!statements.some((s) => s.Action.some((a) => a.startsWith('kms:'))), 'no KMS statement');

    assert.equal(warnings.length, 1, warnings);
    assert.match(warnings[0], /functions\.api\.prehook\.checks\[0\]\.request\.headers\.X-Legacy-Token: looks like a credential written as plain text.*\{ ssm: \/path\/to\/param \}/);
  });
});
