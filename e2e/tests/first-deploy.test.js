'use strict';

// The first-deploy gate in a packaged template beyond the examples (package.test.js checks
// theirs with both CLIs and plugin orders): a queue consumer whose event source mapping must
// wait for the gate like the API does, a custom alias, `firstDeploy: false`, and cfn-lint.

const assert = require('node:assert/strict');
const fs = require('fs');
const { describe, it } = require('node:test');

const { assertGate } = require('../lib/first-deploy');
const { edits, copyExample, runPackage, templatePath, cfnLintAll } = require('../lib/harness');

const CLI = 'serverless@3';
const withQueue = [
  edits.replace('      alias: Live\n', '      alias: Current\n'),
  (yml) => `${yml}
  jobs:
    handler: handler.handler
    events:
      - sqs:
          arn: arn:aws:sqs:us-east-1:123456789012:jobs
    prehook:
      checks:
        - payload: { Records: [] }
`,
];

describe(`first-deploy gate, ${CLI}`, () => {
  let dir;
  let template;
  let off;

  it('packages with and without the gate', (t) => {
    dir = copyExample('website', `${CLI}-first-deploy`, ...withQueue);
    const run = runPackage(CLI, dir);
    t.diagnostic(`serverless package took ${run.seconds.toFixed(1)} s`);
    assert.equal(run.status, 0, run.output);
    template = JSON.parse(fs.readFileSync(templatePath(dir), 'utf8'));
    const offDir = copyExample('website', `${CLI}-first-deploy-off`, edits.replace('    alarms: true\n', '    alarms: true\n    firstDeploy: false\n'));
    const offRun = runPackage(CLI, offDir);
    assert.equal(offRun.status, 0, offRun.output);
    off = { dir: offDir, template: JSON.parse(fs.readFileSync(templatePath(offDir), 'utf8')) };
  });

  it('gates the API and the queue behind their new aliases', () => {
    const api = assertGate(template, {
      gate: 'WebsitePrehookFirstDeploy', alias: 'WebsiteLambdaFunctionAliasCurrent', functionLogicalId: 'WebsiteLambdaFunction', aliasName: 'Current',
    });
    assert.ok(api.some((id) => template.Resources[id].Type === 'AWS::ApiGateway::Method'), `API methods route to the alias: ${api}`);
    const queue = assertGate(template, {
      gate: 'JobsPrehookFirstDeploy', alias: 'JobsLambdaFunctionAliasCurrent', functionLogicalId: 'JobsLambdaFunction', aliasName: 'Current',
    });
    assert.ok(queue.some((id) => template.Resources[id].Type === 'AWS::Lambda::EventSourceMapping'), `the queue's mapping routes to the alias: ${queue}`);
  });

  it("lets the hook read those aliases, on the hook's own role only", () => {
    const statements = template.Resources.PreHookIamRole.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement);
    const getAlias = statements.filter((s) => s.Action.includes('lambda:GetAlias'));
    assert.equal(getAlias.length, 1);
    assert.deepEqual(getAlias[0].Action, ['lambda:GetAlias']);
    const arn = (rest) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${rest}` });
    assert.deepEqual(
      getAlias[0].Resource.map((r) => r['Fn::Sub']).sort(),
      [arn('website-dev-jobs'), arn('website-dev-jobs:Current'), arn('website-dev-website'), arn('website-dev-website:Current')].map((r) => r['Fn::Sub']).sort()
    );
    assert.ok(!JSON.stringify(template.Resources.IamRoleLambdaExecution).includes('lambda:GetAlias'));
  });

  it('adds no gate and no GetAlias with firstDeploy: false', () => {
    const types = Object.values(off.template.Resources).map((r) => r.Type);
    assert.ok(!types.includes('Custom::PrehookFirstDeploy'));
    // The alias waits only for its rollback alarms.
    const resources = off.template.Resources;
    const waitsFor = resources.WebsiteLambdaFunctionAliasLive.DependsOn || [];
    assert.deepEqual(waitsFor.filter((id) => resources[id].Type !== 'AWS::CloudWatch::Alarm'), []);
    assert.ok(!JSON.stringify(off.template).includes('lambda:GetAlias'));
  });

  it('passes cfn-lint without errors or warnings on the gates', (t) => {
    const findings = cfnLintAll([templatePath(dir), templatePath(off.dir)]);
    for (const [file, all] of findings) {
      const errors = all.filter((f) => f.Level === 'Error');
      t.diagnostic(`${file}: cfn-lint ${errors.length} errors, ${all.length - errors.length} warnings or notes`);
      assert.deepEqual(errors, []);
      const onGate = all.filter((f) => JSON.stringify(f.Location).includes('PrehookFirstDeploy'));
      assert.deepEqual(onGate, []);
    }
  });
});
