'use strict';

// Rollback alarms (custom.prehook.alarms) with thresholds, both API kinds and a user's own
// alarm: the alarm resources, the deployment group that watches them after the user's alarm,
// and a template cfn-lint finds no cycle in. One CLI is enough here: package.test.js checks
// the example's plain `alarms: true` with serverless@3 and osls.

const assert = require('node:assert/strict');
const fs = require('fs');
const { describe, it } = require('node:test');

const { edits, copyExample, runPackage, templatePath, cfnLint } = require('../lib/harness');

const FUNCTION = 'website-dev-website';
const USER_ALARM = 'UserThrottlesAlarm';
const ERRORS = 'WebsitePrehookErrorsAlarm';
const REST_5XX = 'WebsitePrehookApiGateway5XXErrorAlarm';
const HTTP_5XX = 'WebsitePrehookHttpApi5xxAlarm';

const withAlarms = [
  // The user's own alarm, listed for every function: ours come after it.
  edits.replace('      alias: Live\n', '      alias: Live\n      alarms: [UserThrottlesAlarm]\n'),
  // Thresholds instead of the example's `alarms: true`.
  edits.replace('    alarms: true\n', '    alarms:\n      apiErrors:\n        statistic: Average\n        threshold: 0.05\n'),
  // An HTTP API route next to the REST API ones: the function gets both APIs' 5xx alarms.
  edits.replace("      - http: 'ANY /{proxy+}'\n", "      - http: 'ANY /{proxy+}'\n      - httpApi: 'GET /api/{proxy+}'\n"),
  (yml) => `${yml}
resources:
  Resources:
    ${USER_ALARM}:
      Type: AWS::CloudWatch::Alarm
      Properties:
        Namespace: AWS/Lambda
        MetricName: Throttles
        Dimensions:
          - Name: FunctionName
            Value: ${FUNCTION}
        Statistic: Sum
        Period: 60
        EvaluationPeriods: 1
        Threshold: 1
        ComparisonOperator: GreaterThanOrEqualToThreshold
`,
];

const dimensions = (alarm) => Object.fromEntries(alarm.Properties.Dimensions.map((d) => [d.Name, d.Value]));

{
  const cli = 'serverless@3';
  describe(`rollback alarms with thresholds, ${cli}`, () => {
    let template;

    it('packages', (t) => {
      const dir = copyExample('website', `${cli}-alarms`, ...withAlarms);
      const run = runPackage(cli, dir);
      t.diagnostic(`serverless package took ${run.seconds.toFixed(1)} s`);
      assert.equal(run.status, 0, run.output);
      assert.match(run.output, new RegExp(`rollback alarms ${REST_5XX} \\(5XXError Average ≥ 0.05 over 1×60 s\\), ${ERRORS} \\(Errors Sum ≥ 1 over 1×60 s\\)`));
      template = JSON.parse(fs.readFileSync(templatePath(dir), 'utf8'));
      const lint = cfnLint(templatePath(dir));
      t.diagnostic(`cfn-lint: ${lint.length} findings`);
      // E3004: circular dependency, which a Ref from an alarm to the alias would create.
      assert.deepEqual(lint.filter((f) => f.Level === 'Error'), []);
    });

    it("alarms on the function's errors through the deployed alias, by literal names", () => {
      const resources = template.Resources;
      const alarm = resources[ERRORS];
      assert.equal(alarm.Type, 'AWS::CloudWatch::Alarm');
      assert.deepEqual(dimensions(alarm), { FunctionName: FUNCTION, Resource: `${FUNCTION}:Live` });
      assert.equal(alarm.Properties.Namespace, 'AWS/Lambda');
      assert.equal(alarm.Properties.MetricName, 'Errors');
      assert.equal(alarm.Properties.TreatMissingData, 'notBreaching');
      // The names are those of the resources the framework and the canary plugin generate.
      assert.equal(resources.WebsiteLambdaFunction.Properties.FunctionName, FUNCTION);
      assert.equal(resources.WebsiteLambdaFunctionAliasLive.Properties.Name, 'Live');
    });

    it("alarms on both APIs' server errors, named as the framework names them", () => {
      const resources = template.Resources;
      const rest = resources[REST_5XX];
      assert.equal(rest.Properties.MetricName, '5XXError');
      assert.deepEqual(dimensions(rest), { ApiName: resources.ApiGatewayRestApi.Properties.Name });
      assert.equal(resources.ApiGatewayRestApi.Properties.Name, 'dev-website');
      assert.deepEqual([rest.Properties.Statistic, rest.Properties.Threshold], ['Average', 0.05]);
      const http = resources[HTTP_5XX];
      assert.equal(http.Properties.MetricName, '5xx');
      assert.deepEqual(dimensions(http), { ApiId: { Ref: 'HttpApi' } });
      assert.equal(resources.HttpApi.Type, 'AWS::ApiGatewayV2::Api');
    });

    it("makes CodeDeploy watch them after the user's own alarm, which stays as it was", () => {
      const group = template.Resources.WebsiteLambdaFunctionDeploymentGroup;
      assert.deepEqual(group.Properties.AlarmConfiguration, {
        Alarms: [USER_ALARM, REST_5XX, ERRORS, HTTP_5XX].map((id) => ({ Name: { Ref: id } })),
        Enabled: true,
      });
      assert.ok(group.Properties.AutoRollbackConfiguration.Events.includes('DEPLOYMENT_STOP_ON_ALARM'));
      assert.equal(template.Resources[USER_ALARM].Properties.MetricName, 'Throttles');
    });
  });
}
