'use strict';

// Drives the Lambda handler with an API Gateway REST (payload 1.0) event, as API Gateway
// and the pre-traffic hook send it, so the serverless-http routing is what is tested.
const test = require('node:test');
const assert = require('node:assert/strict');
const { handler } = require('../handler');

function restEvent(path) {
  return {
    resource: '/{proxy+}',
    path,
    httpMethod: 'GET',
    headers: { 'User-Agent': 'serverless-prehook/test', Host: 'example.com' },
    multiValueHeaders: { 'User-Agent': ['serverless-prehook/test'], Host: ['example.com'] },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { proxy: path.slice(1) },
    requestContext: { httpMethod: 'GET', path, resourcePath: '/{proxy+}', identity: { sourceIp: '127.0.0.1' } },
    body: null,
    isBase64Encoded: false,
  };
}

async function withBroken(value, fn) {
  const previous = process.env.BROKEN;
  process.env.BROKEN = value;
  try {
    return await fn();
  } finally {
    if (previous === undefined) delete process.env.BROKEN;
    else process.env.BROKEN = previous;
  }
}

test('healthcheck answers 200 ok', async () => {
  const res = await withBroken('false', () => handler(restEvent('/healthcheck'), {}));
  assert.equal(res.statusCode, 200);
  assert.deepEqual(JSON.parse(res.body), { status: 'ok' });
});

test('home page welcomes', async () => {
  const res = await withBroken('false', () => handler(restEvent('/'), {}));
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /Welcome to our site/);
});

test('BROKEN=true fails the healthcheck and empties the home page', async () => {
  const health = await withBroken('true', () => handler(restEvent('/healthcheck'), {}));
  assert.equal(health.statusCode, 500);
  const home = await withBroken('true', () => handler(restEvent('/'), {}));
  assert.equal(home.statusCode, 200);
  assert.doesNotMatch(home.body, /Welcome/);
});

test('unknown paths answer 404', async () => {
  const res = await withBroken('false', () => handler(restEvent('/nope'), {}));
  assert.equal(res.statusCode, 404);
});

test('status answers ok, broken, or degraded with BROKEN=after-traffic while the pre-traffic routes pass', async () => {
  const status = async (broken) => {
    const res = await withBroken(broken, () => handler(restEvent('/status'), {}));
    return [res.statusCode, JSON.parse(res.body).status];
  };
  assert.deepEqual(await status('false'), [200, 'ok']);
  assert.deepEqual(await status('true'), [500, 'broken']);
  assert.deepEqual(await status('after-traffic'), [503, 'degraded']);
  const health = await withBroken('after-traffic', () => handler(restEvent('/healthcheck'), {}));
  assert.equal(health.statusCode, 200);
  const home = await withBroken('after-traffic', () => handler(restEvent('/'), {}));
  assert.match(home.body, /Welcome to our site/);
});
