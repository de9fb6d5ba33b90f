'use strict';

// Bad config stops `serverless package` with the YAML path in the message, and no template.

const assert = require('node:assert/strict');
const fs = require('fs');
const { describe, it } = require('node:test');

const { CLIS, edits, copyExample, runPackage, templatePath } = require('../lib/harness');

const CASES = [
  {
    name: 'an impossible status',
    example: 'website',
    edit: edits.replace('status: 200', 'status: 700'),
    expect: ['functions.website.prehook.checks[1].expect.status: expected status codes from 100 to 599, got 700'],
  },
  {
    name: 'a misspelt expectation',
    example: 'worker',
    edit: edits.replace('outputContains: pong', 'outputContain: pong'),
    // osls validates its schema strictly and stops first; serverless@3 only warns, then we stop.
    expect: [
      [
        'functions.worker.prehook.checks[0].expect.outputContain: unknown key',
        "Configuration error at 'functions.worker.prehook.checks.0.expect': unrecognized property 'outputContain'",
      ],
    ],
  },
  {
    name: 'a foreign preTrafficHook',
    example: 'worker',
    edit: edits.replace('    handler: handler.handler\n', '    handler: handler.handler\n    deploymentSettings:\n      preTrafficHook: mine\n'),
    expect: ['functions.worker.deploymentSettings.preTrafficHook: names the function "mine"'],
  },
  {
    name: 'a foreign postTrafficHook with afterTraffic',
    example: 'worker',
    edit: edits.replace(
      '    handler: handler.handler\n',
      '    handler: handler.handler\n    deploymentSettings:\n      postTrafficHook: mine\n'
    ),
    extraEdit: edits.replace('    prehook:\n', '    prehook:\n      afterTraffic:\n        - payload: {}\n'),
    expect: ['functions.worker.deploymentSettings.postTrafficHook: names the function "mine", but functions.worker.prehook.afterTraffic makes serverless-prehook the post-traffic hook'],
  },
  {
    name: 'no canary plugin',
    example: 'worker',
    edit: edits.withoutCanary,
    expect: ['npm install --save-dev serverless-plugin-canary-deployments', 'list it under `plugins`'],
  },
];

for (const cli of Object.keys(CLIS)) {
  describe(`bad config, ${cli}`, () => {
    for (const c of CASES) {
      it(`stops on ${c.name}`, () => {
        const dir = copyExample(
          c.example,
          `${cli}-bad-${c.name}`,
          cli === 'osls' ? edits.forOsls : (y) => y,
          c.edit,
          c.extraEdit || ((y) => y)
        );
        const run = runPackage(cli, dir);
        assert.notEqual(run.status, 0, run.output);
        const output = run.output.replace(/\s*\n\s*/g, ' ');
        for (const alternatives of c.expect) {
          const texts = [].concat(alternatives);
          assert.ok(texts.some((text) => output.includes(text)), `${JSON.stringify(texts)} in:\n${run.output}`);
        }
        assert.equal(fs.existsSync(templatePath(dir)), false, 'no template is written');
      });
    }
  });
}
