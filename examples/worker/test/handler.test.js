'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { handler } = require('../handler');

test('answers the ping with "pong"', async () => {
  assert.equal(await handler({ ping: true }, {}, {}), 'pong');
});

test('fails the ping when deployed broken, so the hook stops the version', async () => {
  await assert.rejects(handler({ ping: true }, {}, { BROKEN: 'true' }), /deployed broken on purpose/);
  await assert.rejects(handler({ ping: true }, {}, { BATCH_SIZE: 'many' }), /BATCH_SIZE/);
});

test('processes queue messages', async () => {
  const result = await handler({ Records: [{ body: '{"id":1}' }, { body: '{"id":2}' }] }, {}, {});
  assert.deepEqual(result, { processed: 2 });
});

test('a scheduled run processes nothing and succeeds', async () => {
  assert.deepEqual(await handler({ source: 'aws.events' }, {}, {}), { processed: 0 });
});
