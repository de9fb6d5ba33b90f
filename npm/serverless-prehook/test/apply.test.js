'use strict';

// lib/apply.js on plain objects: where statements and resources go, which canary grant is removed,
// what the compiled hook function loses, and how the rollback alarms are tied to the new version.

const assert = require('node:assert/strict');
const { describe, it } = require('node:test');

const {
  appendAt,
  applyToService,
  completeFirstDeployGates,
  finishAliasAlarms,
  isolateCompiledHook,
  removeCanaryGrant,
} = require('../lib/apply');

const group = (name) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:codedeploy:...:deploymentgroup:\${App}/${name}` });
const grant = {
  Action: ['codedeploy:PutLifecycleEventHookExecutionStatus'],
  Effect: 'Allow',
  Resource: [group('a'), group('b')],
};
const roleWith = (...statements) => ({
  Resources: { Role: { Properties: { Policies: [{ PolicyDocument: { Statement: statements } }] } } },
});
const statementsOf = (template) => template.Resources.Role.Properties.Policies[0].PolicyDocument.Statement;

describe('appendAt', () => {
  it('appends to an existing list and keeps what is there', () => {
    const service = { provider: { iamRoleStatements: [{ Action: ['s3:GetObject'] }] } };
    appendAt(service, ['provider', 'iamRoleStatements'], [{ Action: ['lambda:InvokeFunction'] }]);
    assert.deepEqual(service.provider.iamRoleStatements.map((s) => s.Action[0]), ['s3:GetObject', 'lambda:InvokeFunction']);
  });

  it('creates the path when the service has none', () => {
    const service = { provider: {} };
    appendAt(service, ['provider', 'iam', 'role', 'statements'], [{ Action: ['x:y'] }]);
    assert.deepEqual(service.provider.iam.role.statements, [{ Action: ['x:y'] }]);
  });
});

describe('applyToService', () => {
  const changes = (alarms) => ({
    hookFunctionKey: 'preHook',
    hookFunction: { handler: 'bootstrap' },
    deploymentSettings: { web: { alarms: ['Mine', 'WebPrehookErrorsAlarm'] } },
    iam: { statementsTarget: null, statements: [], resources: { PreHookIamRole: { Type: 'AWS::IAM::Role' } } },
    ...(alarms && { alarms }),
  });

  it("adds the rollback alarms next to the user's resources", () => {
    const service = { functions: { web: {} }, resources: { Resources: { Mine: { Type: 'AWS::CloudWatch::Alarm' } } } };
    applyToService(service, changes({ WebPrehookErrorsAlarm: { Type: 'AWS::CloudWatch::Alarm' } }));
    assert.deepEqual(Object.keys(service.resources.Resources), ['Mine', 'PreHookIamRole', 'WebPrehookErrorsAlarm']);
    assert.deepEqual(service.functions.web.deploymentSettings.alarms, ['Mine', 'WebPrehookErrorsAlarm']);
  });

  it('adds no alarm when the core computed none', () => {
    const service = { functions: { web: {} } };
    applyToService(service, changes(undefined));
    assert.deepEqual(Object.keys(service.resources.Resources), ['PreHookIamRole']);
  });
});

describe('removeCanaryGrant', () => {
  it('removes the exact grant, whatever the order of its resources', () => {
    const other = { Action: ['s3:GetObject'], Effect: 'Allow', Resource: ['*'] };
    const template = roleWith(other, { ...grant, Resource: [group('b'), group('a')] });
    assert.equal(removeCanaryGrant(template, 'Role', grant), true);
    assert.deepEqual(statementsOf(template), [other]);
  });

  it('keeps a grant that also covers a deployment group of another function', () => {
    const wider = { ...grant, Resource: [group('a'), group('b'), group('c')] };
    const template = roleWith(wider);
    assert.equal(removeCanaryGrant(template, 'Role', grant), false);
    assert.deepEqual(statementsOf(template), [wider]);
  });

  it('does nothing without the role', () => {
    assert.equal(removeCanaryGrant({ Resources: {} }, 'Role', grant), false);
  });
});

describe('isolateCompiledHook', () => {
  const compiledHook = {
    logicalId: 'PreHookLambdaFunction',
    removeProperties: ['Environment', 'Layers', 'VpcConfig'],
    removeDependsOn: ['PreHookIamRole'],
  };
  const compiled = (dependsOn) => ({
    Resources: {
      PreHookLambdaFunction: {
        Properties: { Environment: { Variables: { SECRET: 'x' } }, Layers: ['arn:layer'], Tags: [{ Key: 'team', Value: 'shop' }] },
        DependsOn: dependsOn,
      },
    },
  });

  it('removes the listed properties and keeps the others, and says which it removed', () => {
    const template = compiled(['PreHookLogGroup', 'PreHookIamRole']);
    assert.deepEqual(isolateCompiledHook(template, compiledHook), ['Environment', 'Layers']);
    const hook = template.Resources.PreHookLambdaFunction;
    assert.deepEqual(Object.keys(hook.Properties), ['Tags']);
    assert.deepEqual(hook.DependsOn, ['PreHookLogGroup']);
  });

  it('sets the properties of its own, and handles a lone DependsOn string (osls)', () => {
    const template = compiled('PreHookIamRole');
    isolateCompiledHook(template, { ...compiledHook, setProperties: { VpcConfig: { SubnetIds: ['subnet-a'] } } });
    const hook = template.Resources.PreHookLambdaFunction;
    assert.deepEqual(hook.Properties.VpcConfig, { SubnetIds: ['subnet-a'] });
    assert.equal('DependsOn' in hook, false);
  });

  it('fails loudly when the hook is not in the template', () => {
    assert.throws(() => isolateCompiledHook({ Resources: {} }, compiledHook), /has no PreHookLambdaFunction/);
  });
});

describe('finishAliasAlarms', () => {
  const version = { 'Fn::GetAtt': ['WebLambdaVersionAbc123', 'Version'] };
  const alarm = () => ({
    Type: 'AWS::CloudWatch::Alarm',
    Properties: { Dimensions: [{ Name: 'FunctionName', Value: 'shop-dev-web' }, { Name: 'Resource', Value: 'shop-dev-web:Live' }] },
  });
  const compiled = (aliasDependsOn) => ({
    Resources: {
      WebLambdaFunctionAliasLive: { Type: 'AWS::Lambda::Alias', Properties: { FunctionVersion: version }, DependsOn: aliasDependsOn },
      WebPrehookErrorsAlarm: alarm(),
      PrehookHttpApi5xxAlarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { Dimensions: [] } },
    },
  });
  const entry = {
    aliasLogicalId: 'WebLambdaFunctionAliasLive',
    executedVersion: ['WebPrehookErrorsAlarm'],
    dependsOn: ['WebPrehookErrorsAlarm', 'PrehookHttpApi5xxAlarm'],
  };

  it("watches the alias's new version and makes the alias wait for every alarm", () => {
    const template = compiled(undefined);
    assert.deepEqual(finishAliasAlarms(template, [entry]), ['WebLambdaFunctionAliasLive']);
    const { Resources: r } = template;
    assert.deepEqual(r.WebPrehookErrorsAlarm.Properties.Dimensions.at(-1), { Name: 'ExecutedVersion', Value: version });
    assert.equal(r.WebPrehookErrorsAlarm.Properties.Dimensions.length, 3);
    // A copy: changing one template value must not change the other.
    assert.notEqual(r.WebPrehookErrorsAlarm.Properties.Dimensions.at(-1).Value, version);
    assert.deepEqual(r.PrehookHttpApi5xxAlarm.Properties.Dimensions, []);
    assert.deepEqual(r.WebLambdaFunctionAliasLive.DependsOn, ['WebPrehookErrorsAlarm', 'PrehookHttpApi5xxAlarm']);
  });

  it("keeps another plugin's DependsOn, and running twice changes nothing more", () => {
    const template = compiled('SomethingElse');
    finishAliasAlarms(template, [entry]);
    finishAliasAlarms(template, [entry]);
    const { Resources: r } = template;
    assert.deepEqual(r.WebLambdaFunctionAliasLive.DependsOn, ['SomethingElse', 'WebPrehookErrorsAlarm', 'PrehookHttpApi5xxAlarm']);
    assert.equal(r.WebPrehookErrorsAlarm.Properties.Dimensions.filter((d) => d.Name === 'ExecutedVersion').length, 1);
  });

  it('fails loudly when the alias or an alarm is not in the template', () => {
    assert.throws(() => finishAliasAlarms({ Resources: {} }, [entry]), /has no alias WebLambdaFunctionAliasLive/);
    const template = compiled(undefined);
    delete template.Resources.PrehookHttpApi5xxAlarm;
    assert.throws(() => finishAliasAlarms(template, [entry]), /has no PrehookHttpApi5xxAlarm/);
  });
});

describe('completeFirstDeployGates', () => {
  const gate = {
    function: 'web',
    logicalId: 'WebPrehookFirstDeploy',
    aliasLogicalId: 'WebLambdaFunctionAliasLive',
    resource: {
      Type: 'Custom::PrehookFirstDeploy',
      Properties: {
        ServiceToken: { 'Fn::GetAtt': ['PreHookLambdaFunction', 'Arn'] },
        FunctionName: { Ref: 'WebLambdaFunction' },
        Alias: 'Live',
      },
    },
  };
  const compiled = (dependsOn) => ({
    Resources: {
      WebLambdaVersionAbc123: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'WebLambdaFunction' } } },
      WebLambdaFunctionAliasLive: {
        Type: 'AWS::Lambda::Alias',
        ...(dependsOn === undefined ? {} : { DependsOn: dependsOn }),
        Properties: {
          FunctionVersion: { 'Fn::GetAtt': ['WebLambdaVersionAbc123', 'Version'] },
          FunctionName: { Ref: 'WebLambdaFunction' },
          Name: 'Live',
        },
      },
    },
  });

  it('checks the version the alias points at, and makes the alias wait for it', () => {
    const template = compiled();
    assert.deepEqual(completeFirstDeployGates(template, [gate]), ['WebPrehookFirstDeploy']);
    const added = template.Resources.WebPrehookFirstDeploy;
    assert.deepEqual(added.Properties.Version, { 'Fn::GetAtt': ['WebLambdaVersionAbc123', 'Version'] });
    assert.equal(added.Type, 'Custom::PrehookFirstDeploy');
    assert.deepEqual(template.Resources.WebLambdaFunctionAliasLive.DependsOn, ['WebPrehookFirstDeploy']);
    // The core's resource is not changed: a second package starts from it again.
    assert.equal(gate.resource.Properties.Version, undefined);
  });

  it('keeps the dependencies the alias has, as a string or a list', () => {
    const single = compiled('Other');
    completeFirstDeployGates(single, [gate]);
    assert.deepEqual(single.Resources.WebLambdaFunctionAliasLive.DependsOn, ['Other', 'WebPrehookFirstDeploy']);
    const twice = compiled(['WebPrehookFirstDeploy']);
    completeFirstDeployGates(twice, [gate]);
    assert.deepEqual(twice.Resources.WebLambdaFunctionAliasLive.DependsOn, ['WebPrehookFirstDeploy']);
  });

  it('says which alias is missing', () => {
    assert.throws(
      () => completeFirstDeployGates({ Resources: {} }, [gate]),
      /no alias WebLambdaFunctionAliasLive for functions\.web, which serverless-plugin-canary-deployments creates/
    );
  });
});
