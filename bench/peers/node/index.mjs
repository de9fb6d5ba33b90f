// A CodeDeploy BeforeAllowTraffic hook written by hand with the AWS SDK for JavaScript v3, as
// serverless-plugin-canary-deployments users write theirs.
//
// Reads the deployment's AppSpec, sends `GET /healthcheck` as an API Gateway (REST) event to the
// new version of each function in it, one after the other, and reports Succeeded when every one
// answers 2xx. The benchmark's Node.js peer: plain, idiomatic, no handicaps.

import {
  CodeDeployClient,
  GetApplicationRevisionCommand,
  GetDeploymentCommand,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

const codedeploy = new CodeDeployClient({});
const lambda = new LambdaClient({});

const HEALTHCHECK_PATH = '/healthcheck';

export const handler = async (event) => {
  const deploymentId = event.DeploymentId;
  const lifecycleEventHookExecutionId = event.LifecycleEventHookExecutionId;
  let status = 'Failed';
  try {
    const { deploymentInfo } = await codedeploy.send(new GetDeploymentCommand({ deploymentId }));
    const { revision } = await codedeploy.send(
      new GetApplicationRevisionCommand({
        applicationName: deploymentInfo.applicationName,
        revision: deploymentInfo.revision,
      }),
    );
    const appspec = JSON.parse(revision.appSpecContent.content);
    let allPassed = true;
    for (const resource of appspec.Resources) {
      for (const { Properties } of Object.values(resource)) {
        if (!(await check(Properties.Name, Properties.TargetVersion))) allPassed = false;
      }
    }
    status = allPassed ? 'Succeeded' : 'Failed';
  } catch (error) {
    console.log(`pre-traffic check failed: ${error}`);
  } finally {
    await codedeploy.send(
      new PutLifecycleEventHookExecutionStatusCommand({
        deploymentId,
        lifecycleEventHookExecutionId,
        status,
      }),
    );
  }
  console.log(JSON.stringify({ deploymentId, status }));
  return status;
};

async function check(functionName, version) {
  const response = await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      Qualifier: version,
      Payload: JSON.stringify(apiGatewayEvent('GET', HEALTHCHECK_PATH)),
    }),
  );
  const result = JSON.parse(Buffer.from(response.Payload).toString());
  const passed = !response.FunctionError && result.statusCode >= 200 && result.statusCode < 300;
  console.log(JSON.stringify({ function: functionName, version, status: result.statusCode, passed }));
  return passed;
}

function apiGatewayEvent(method, path) {
  return {
    resource: '/{proxy+}',
    path,
    httpMethod: method,
    headers: { Host: 'localhost', 'User-Agent': 'pre-traffic-hook' },
    multiValueHeaders: { Host: ['localhost'], 'User-Agent': ['pre-traffic-hook'] },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { proxy: path.replace(/^\//, '') },
    stageVariables: null,
    requestContext: {
      resourcePath: '/{proxy+}',
      httpMethod: method,
      path,
      stage: 'pre-traffic',
      identity: { sourceIp: '127.0.0.1', userAgent: 'pre-traffic-hook' },
    },
    body: null,
    isBase64Encoded: false,
  };
}
