// The Lambda Runtime API loop the managed Node.js runtime runs around a handler: load the
// handler module (init), then forever GET the next event, call the handler, POST its result.
// The benchmark runs the Node.js peer with it because AWS's `aws-lambda-ric` npm package builds
// native code with cmake and autotools, which this project does not install.
//
// usage: node node-runtime.mjs MODULE.EXPORT   (MODULE.mjs is looked up in LAMBDA_TASK_ROOT)

import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const base = '/2018-06-01/runtime';

function request(method, urlPath, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path: urlPath, agent }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function errorBody(error) {
  return JSON.stringify({
    errorType: error?.name ?? 'Error',
    errorMessage: error?.message ?? String(error),
  });
}

const [moduleName, exportName] = (process.argv[2] ?? '').split('.');
let handler;
try {
  const root = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  const module = await import(pathToFileURL(path.join(root, `${moduleName}.mjs`)).href);
  handler = module[exportName];
  if (typeof handler !== 'function') throw new Error(`${process.argv[2]} is not a function`);
} catch (error) {
  await request('POST', `${base}/init/error`, errorBody(error));
  process.exit(1);
}

for (;;) {
  const next = await request('GET', `${base}/invocation/next`);
  const requestId = next.headers['lambda-runtime-aws-request-id'];
  const deadline = Number(next.headers['lambda-runtime-deadline-ms']);
  const context = {
    awsRequestId: requestId,
    invokedFunctionArn: next.headers['lambda-runtime-invoked-function-arn'],
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
  try {
    const result = await handler(JSON.parse(next.body), context);
    await request('POST', `${base}/invocation/${requestId}/response`, JSON.stringify(result ?? null));
  } catch (error) {
    await request('POST', `${base}/invocation/${requestId}/error`, errorBody(error));
  }
}
