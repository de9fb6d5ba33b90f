'use strict';

// Rollback alarms (custom.prehook.alarms) with thresholds, every HTTP trigger kind and a user's
// own alarm: the alarm resources, the new version in the Errors alarm and the alias waiting for
// its alarms, one 5XX alarm per API, the deployment groups that watch them after the user's
// alarm, and a template cfn-lint finds no cycle in. One CLI is enough here: package.test.js
// checks the example's plain `alarms: true` with serverless@3 and osls.

const assert = require('node:assert/strict');
const fs = require('fs');
const { describe, it } = require('node:test');

const { edits, copyExample, runPackage, templatePath, cfnLint } = require('../lib/harness');

const FUNCTION = 'website-dev-website';
const USER_ALARM = 'UserThrottlesAlarm';
const ERRORS = 'WebsitePrehookErrorsAlarm';
const REST_5XX = 'PrehookApiGateway5XXErrorAlarm';
const HTTP_5XX = 'PrehookHttpApi5xxAlarm';
const URL_5XX = 'LinkPrehookUrl5xxAlarm';
const LB_ID = '50dc6c495c0c9188';
const ALB_5XX = `LbAlbTargetGroup${LB_ID}Prehook5XXAlarm`;
const LISTENER = `arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shop-lb/${LB_ID}/f2f7dc8efc522ab2`;

const withAlarms = [
  // The user's own alarm, listed for every function: ours come after it.
  edits.replace('      alias: Live\n', '      alias: Live\n      alarms: [UserThrottlesAlarm]\n'),
  // Thresholds instead of the example's `alarms: true`.
  edits.replace('    alarms: true\n', '    alarms:\n      apiErrors:\n        statistic: Average\n        threshold: 0.05\n'),
  // An HTTP API route next to the REST API ones: the function gets both APIs' 5xx alarms.
  edits.replace("      - http: 'ANY /{proxy+}'\n", "      - http: 'ANY /{proxy+}'\n      - httpApi: 'GET /api/{proxy+}'\n"),
  // A second function of the same REST API, one behind a function URL, one behind an ALB.
  (yml) => `${yml}
  reports:
    handler: handler.handler
    events:
      - http: GET /reports
    prehook: true
  link:
    handler: handler.handler
    url: true
    prehook: true
  lb:
    handler: handler.handler
    events:
      - alb:
          listenerArn: ${LISTENER}
          priority: 1
          conditions:
            path: /lb
    prehook: true
`,
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
const watched = (template, group) =>
  template.Resources[`${group}LambdaFunctionDeploymentGroup`].Properties.AlarmConfiguration.Alarms.map((a) => a.Name);

{
  const cli = 'serverless@3';
  describe(`rollback alarms with thresholds, ${cli}`, () => {
    let template;

    it('packages', (t) => {
      const dir = copyExample('website', `${cli}-alarms`, ...withAlarms);
      const run = runPackage(cli, dir);
      t.diagnostic(`serverless package took ${run.seconds.toFixed(1)} s`);
      assert.equal(run.status, 0, run.output);
      assert.match(
        run.output,
        new RegExp(`rollback alarms ${ERRORS} \\(Errors Sum ≥ 1 over 1×60 s\\), ${REST_5XX} \\(5XXError Average ≥ 0.05 over 1×60 s\\), ${HTTP_5XX} \\(5xx Average ≥ 0.05 over 1×60 s\\)`)
      );
      template = JSON.parse(fs.readFileSync(templatePath(dir), 'utf8'));
      const lint = cfnLint(templatePath(dir));
      t.diagnostic(`cfn-lint: ${lint.length} findings`);
      // E3004: circular dependency, which a Ref from an alarm to the alias, or the alias
      // waiting for the ALB alarm (its target group depends on the alias), would create.
      assert.deepEqual(lint.filter((f) => f.Level === 'Error'), []);
    });

    it('alarms on the errors of the version this deploy creates, through the deployed alias', () => {
      const resources = template.Resources;
      const alarm = resources[ERRORS];
      const alias = resources.WebsiteLambdaFunctionAliasLive;
      assert.equal(alarm.Type, 'AWS::CloudWatch::Alarm');
      assert.deepEqual(dimensions(alarm), {
        FunctionName: FUNCTION,
        Resource: `${FUNCTION}:Live`,
        ExecutedVersion: alias.Properties.FunctionVersion,
      });
      const [version, attribute] = alias.Properties.FunctionVersion['Fn::GetAtt'];
      assert.equal(attribute, 'Version');
      assert.equal(resources[version].Type, 'AWS::Lambda::Version');
      assert.deepEqual(resources[version].Properties.FunctionName, { Ref: 'WebsiteLambdaFunction' });
      assert.equal(alarm.Properties.Namespace, 'AWS/Lambda');
      assert.equal(alarm.Properties.MetricName, 'Errors');
      assert.equal(alarm.Properties.TreatMissingData, 'notBreaching');
      // The names are those of the resources the framework and the canary plugin generate.
      assert.equal(resources.WebsiteLambdaFunction.Properties.FunctionName, FUNCTION);
      assert.equal(alias.Properties.Name, 'Live');
    });

    it('updates the alarms before the alias update that starts CodeDeploy', () => {
      const resources = template.Resources;
      // The alarms, then the first-deploy gate (README: "The first deploy is checked too").
      const alarmsOf = (alias) => resources[alias].DependsOn.filter((id) => resources[id].Type === 'AWS::CloudWatch::Alarm');
      assert.deepEqual(alarmsOf('WebsiteLambdaFunctionAliasLive'), [ERRORS, REST_5XX, HTTP_5XX]);
      assert.deepEqual(alarmsOf('ReportsLambdaFunctionAliasLive'), ['ReportsPrehookErrorsAlarm', REST_5XX]);
      assert.deepEqual(alarmsOf('LinkLambdaFunctionAliasLive'), ['LinkPrehookErrorsAlarm', URL_5XX]);
      // Not on the ALB alarm: its target group depends on the alias.
      assert.deepEqual(alarmsOf('LbLambdaFunctionAliasLive'), ['LbPrehookErrorsAlarm']);
      for (const alias of ['Website', 'Reports', 'Link', 'Lb'].map((f) => `${f}LambdaFunctionAliasLive`)) {
        assert.deepEqual(resources[alias].DependsOn.filter((id) => resources[id].Type !== 'AWS::CloudWatch::Alarm'), [alias.replace('LambdaFunctionAliasLive', 'PrehookFirstDeploy')]);
      }
      assert.ok(resources.WebsiteLambdaFunctionAliasLive.UpdatePolicy.CodeDeployLambdaAliasUpdate);
    });

    it("alarms once on each API's server errors, named as the framework names them", () => {
      const resources = template.Resources;
      const rest = resources[REST_5XX];
      assert.equal(rest.Properties.MetricName, '5XXError');
      assert.deepEqual(dimensions(rest), { ApiName: resources.ApiGatewayRestApi.Properties.Name, Stage: 'dev' });
      assert.equal(resources.ApiGatewayRestApi.Properties.Name, 'dev-website');
      const deployment = Object.values(resources).find((r) => r.Type === 'AWS::ApiGateway::Deployment');
      assert.equal(deployment.Properties.StageName, 'dev');
      assert.deepEqual([rest.Properties.Statistic, rest.Properties.Threshold], ['Average', 0.05]);
      const http = resources[HTTP_5XX];
      assert.equal(http.Properties.MetricName, '5xx');
      assert.deepEqual(dimensions(http), { ApiId: { Ref: 'HttpApi' }, Stage: '$default' });
      assert.equal(resources.HttpApi.Type, 'AWS::ApiGatewayV2::Api');
      assert.equal(resources.HttpApiStage.Properties.StageName, '$default');
      // One REST API alarm, watched by both of its functions; no copy per function.
      assert.deepEqual(watched(template, 'Reports'), [USER_ALARM, 'ReportsPrehookErrorsAlarm', REST_5XX].map((id) => ({ Ref: id })));
      const perFunction = Object.keys(resources).filter((id) => /5XXError/.test(id));
      assert.deepEqual(perFunction, [REST_5XX]);
    });

    it("alarms on a function URL's and an ALB target group's 5XX", () => {
      const resources = template.Resources;
      const url = resources[URL_5XX];
      assert.deepEqual([url.Properties.Namespace, url.Properties.MetricName], ['AWS/Lambda', 'Url5xxCount']);
      assert.deepEqual(dimensions(url), { FunctionName: 'website-dev-link' });
      assert.equal(resources.LinkLambdaFunctionUrl.Type, 'AWS::Lambda::Url');
      const alb = resources[ALB_5XX];
      assert.deepEqual([alb.Properties.Namespace, alb.Properties.MetricName], ['AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count']);
      const group = `LbAlbTargetGroup${LB_ID}`;
      assert.deepEqual(dimensions(alb), {
        LoadBalancer: `app/shop-lb/${LB_ID}`,
        TargetGroup: { 'Fn::GetAtt': [group, 'TargetGroupFullName'] },
      });
      assert.equal(resources[group].Type, 'AWS::ElasticLoadBalancingV2::TargetGroup');
      // Listed by its literal name, not a Ref: a Ref would close a cycle through the target group.
      assert.equal(alb.Properties.AlarmName, `website-dev-${ALB_5XX}`);
      assert.deepEqual(watched(template, 'Lb'), [{ Ref: USER_ALARM }, { Ref: 'LbPrehookErrorsAlarm' }, alb.Properties.AlarmName]);
    });

    it("makes CodeDeploy watch them after the user's own alarm, which stays as it was", () => {
      const group = template.Resources.WebsiteLambdaFunctionDeploymentGroup;
      assert.deepEqual(group.Properties.AlarmConfiguration, {
        Alarms: [USER_ALARM, ERRORS, REST_5XX, HTTP_5XX].map((id) => ({ Name: { Ref: id } })),
        Enabled: true,
      });
      assert.ok(group.Properties.AutoRollbackConfiguration.Events.includes('DEPLOYMENT_STOP_ON_ALARM'));
      assert.equal(template.Resources[USER_ALARM].Properties.MetricName, 'Throttles');
      assert.deepEqual(template.Resources[USER_ALARM].DependsOn, undefined);
    });
  });
}
