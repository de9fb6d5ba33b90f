'use strict';

// Bad config stops `serverless package` with the YAML path and what to do in the message, and
// writes no template: a matrix of broken serverless.yml files, through the real frameworks.
// Every case runs with serverless@3; the cases marked `osls` run with osls too.
//
// Every case is packaged by the framework's own classes, all of one framework's cases in one
// process (e2e/lib/package-in-process.js: the start-up, about 1.5 CPU s, paid once instead of
// once per case); the cases marked `viaCli` also run through the framework's CLI, as a user
// runs it, for what the CLI adds: the message on the terminal and the exit status.

const assert = require('node:assert/strict');
const fs = require('fs');
const { describe, it } = require('node:test');

const { edits, copyExample, packagesInProcess, runPackageAsync, templatePath } = require('../lib/harness');

const WEBSITE_CHECKS =
  '      checks:\n        - GET /healthcheck\n        - request: GET /\n          expect:\n            status: 200\n            bodyContains: Welcome to our site\n';
/** Adds `lines` (indented for their place) under the line `after`. */
const insertAfter = (after, lines) => edits.replace(after, `${after}${lines}`);
const underCustomPrehook = (lines) => insertAfter('custom:\n  prehook:\n', lines);
const underWorkerPrehook = (lines) => insertAfter('    prehook:\n', lines);
const addFunction = (lines) => insertAfter('functions:\n', lines);

// `expect`: texts that must all be in the output; an array inside offers alternatives (osls
// validates its schema strictly and may stop first, with its own message naming the path).
const CASES = [
  // wrong types
  {
    name: 'retries of the wrong type',
    example: 'worker',
    edit: underWorkerPrehook('      retries: many\n'),
    expect: [
      [
        'functions.worker.prehook.retries: expected a whole number from 0 to 10, got the string "many"',
        "Configuration error at 'functions.worker.prehook",
      ],
    ],
    osls: true,
    // The schema's path on one side (osls refuses first), ours on the other.
    viaCli: true,
  },
  {
    name: 'a hook timeout of the wrong type',
    example: 'worker',
    edit: underCustomPrehook('    timeout: five\n'),
    expect: [
      [
        'custom.prehook.timeout: expected a whole number from 10 to 900, got the string "five"',
        "Configuration error at 'custom.prehook.timeout'",
      ],
    ],
    osls: true,
  },
  {
    name: 'a check that is a number',
    example: 'website',
    edit: edits.replace(WEBSITE_CHECKS, '      checks: 42\n'),
    // A single check may stand for the list; 42 is no check.
    expect: ['functions.website.prehook.checks[0]: expected `METHOD /path` (for example `GET /healthcheck`), got "42"'],
  },
  // unknown keys
  {
    name: 'an unknown key under custom.prehook',
    example: 'worker',
    edit: underCustomPrehook('    retries: 2\n'),
    expect: [
      [
        'custom.prehook.retries: unknown key; expected one of: deploymentSettings, functionName',
        "Configuration error at 'custom.prehook': unrecognized property 'retries'",
      ],
    ],
    osls: true,
  },
  {
    name: 'a misspelt expectation',
    example: 'worker',
    edit: edits.replace('outputContains: pong', 'outputContain: pong'),
    expect: [
      [
        'functions.worker.prehook.checks[0].expect.outputContain: unknown key',
        "Configuration error at 'functions.worker.prehook.checks.0.expect': unrecognized property 'outputContain'",
      ],
    ],
    osls: true,
  },
  // impossible values
  {
    name: 'an impossible status',
    example: 'website',
    edit: edits.replace('status: 200', 'status: 700'),
    expect: ['functions.website.prehook.checks[1].expect.status: expected status codes from 100 to 599, got 700'],
    osls: true,
  },
  {
    name: 'a status range written backwards',
    example: 'website',
    edit: edits.replace('status: 200', "status: '299-200'"),
    expect: ['functions.website.prehook.checks[1].expect.status: the range 299-200 is empty: write the lower bound first'],
  },
  {
    name: 'an empty list of checks',
    example: 'website',
    edit: edits.replace(WEBSITE_CHECKS, '      checks: []\n'),
    expect: ['functions.website.prehook.checks: expected at least one check: an empty list would let every version through'],
  },
  {
    name: 'an invalid regular expression',
    example: 'website',
    edit: edits.replace('bodyContains: Welcome to our site', "bodyMatches: '(unclosed'"),
    expect: ['functions.website.prehook.checks[1].expect.bodyMatches: invalid regular expression "(unclosed"'],
    osls: true,
  },
  {
    name: 'a raw expectation on an HTTP function',
    example: 'website',
    edit: edits.replace('bodyContains: Welcome to our site', 'outputContains: Welcome'),
    expect: ['functions.website.prehook.checks[1].expect.outputContains: applies to raw functions (use `bodyContains`/`bodyMatches` for HTTP checks)'],
  },
  // functions that are not there
  {
    name: 'checks on a function that does not exist',
    example: 'worker',
    // `prehook` indented one level too far out: a function of its own, with no code.
    edit: addFunction('  ghost:\n    prehook: true\n'),
    expect: ['functions.ghost: has `prehook` but no `handler` nor `image`, so there is no function to check: move `prehook` under the function it belongs to'],
  },
  {
    name: 'a postTrafficHook that does not exist',
    example: 'worker',
    edit: insertAfter('      alias: Live\n', '      postTrafficHook: afterChecks\n'),
    expect: ['custom.prehook.deploymentSettings.postTrafficHook: names the function "afterChecks", which is not in `functions`: write the key of one of your functions'],
  },
  // preTrafficHook conflicts
  {
    name: "a function's own preTrafficHook",
    example: 'worker',
    edit: edits.replace('    handler: handler.handler\n', '    handler: handler.handler\n    deploymentSettings:\n      preTrafficHook: mine\n'),
    expect: ['functions.worker.deploymentSettings.preTrafficHook: names the function "mine"', 'remove `preTrafficHook`'],
    osls: true,
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
    name: "the canary plugin's global preTrafficHook",
    example: 'worker',
    edit: insertAfter('custom:\n', '  deploymentSettings:\n    preTrafficHook: mine\n'),
    expect: ['custom.deploymentSettings.preTrafficHook: names the function "mine"', 'remove `preTrafficHook`'],
  },
  {
    name: 'a preTrafficHook under custom.prehook',
    example: 'worker',
    edit: insertAfter('      alias: Live\n', '      preTrafficHook: mine\n'),
    expect: ['custom.prehook.deploymentSettings.preTrafficHook: serverless-prehook is the pre-traffic hook of every checked function: remove this key'],
  },
  // the injected function's key
  {
    name: 'a function that takes the hook key',
    example: 'worker',
    edit: addFunction('  preHook:\n    handler: handler.handler\n'),
    // `preHook` is what the canary plugin's README calls a hand-written hook.
    expect: [
      'functions.preHook: looks like a hand-written traffic hook (its key names a hook)',
      'delete functions.preHook and every `preTrafficHook: preHook`',
      'set custom.prehook.functionName to a free key',
    ],
    osls: true,
  },
  {
    name: 'a function of another key that takes the hook key',
    example: 'worker',
    edit: (yml) => underCustomPrehook('    functionName: jobs\n')(addFunction('  jobs:\n    handler: handler.handler\n')(yml)),
    expect: ['custom.prehook.functionName: the hook is injected as the function `jobs`, but `functions` already has one of that key: rename yours'],
  },
  {
    name: 'a hand-written pre-traffic hook named preHook',
    example: 'worker',
    edit: (yml) =>
      insertAfter('      alias: Live\n', '      preTrafficHook: preHook\n')(
        addFunction('  preHook:\n    handler: handler.handler\n')(yml).replace(
          'custom:\n  prehook:\n    deploymentSettings:\n',
          'custom:\n  prehook: {}\n  deploymentSettings:\n'
        )
      ),
    expect: [
      'functions.preHook: looks like a hand-written traffic hook (custom.deploymentSettings.preTrafficHook names it)',
      'write its checks as `prehook` of the functions it checks',
    ],
    osls: true,
  },
  // runtimes and versions
  {
    name: 'the retired provided.al2 runtime for the hook',
    example: 'worker',
    edit: underCustomPrehook('    runtime: provided.al2\n'),
    expect: [
      'custom.prehook.runtime: Lambda no longer creates or updates functions on provided.al2',
      'use provided.al2023',
      'moves to provided.al2023 with its next deploy, as an ordinary update of the hook function',
    ],
    osls: true,
  },
  {
    name: 'a checked function without versions',
    example: 'worker',
    edit: insertAfter('    handler: handler.handler\n', '    versionFunction: false\n'),
    expect: ['functions.worker.versionFunction: is false, but the function has `prehook`', 'needs published versions'],
    osls: true,
  },
  {
    name: 'a hook VPC without subnets',
    example: 'worker',
    edit: underCustomPrehook('    vpc:\n      securityGroupIds: [sg-0123]\n'),
    expect: [
      [
        'custom.prehook.vpc.subnetIds: missing: the hook needs both securityGroupIds and subnetIds',
        "Configuration error at 'custom.prehook.vpc': must have required property 'subnetIds'",
      ],
    ],
    osls: true,
  },
  {
    name: 'firstDeploy that is not true or false',
    example: 'worker',
    edit: underCustomPrehook('    firstDeploy: "no"\n'),
    expect: [
      [
        'custom.prehook.firstDeploy: expected true (check the version a new alias will point at, the default) or false, got the string "no"',
        "Configuration error at 'custom.prehook.firstDeploy'",
      ],
    ],
    osls: true,
  },
  {
    name: 'custom.prehook.functionName naming an existing function',
    example: 'worker',
    edit: underCustomPrehook('    functionName: worker\n'),
    expect: ['custom.prehook.functionName: the hook is injected as the function `worker`, but `functions` already has one of that key'],
  },
  // the canary plugin
  {
    name: 'no canary plugin',
    example: 'worker',
    edit: edits.withoutCanary,
    expect: ['npm install --save-dev serverless-plugin-canary-deployments', 'list it under `plugins`'],
    osls: true,
    // The plugin's own check, before the core's.
    viaCli: true,
  },
  // secret references
  {
    name: 'a key on an SSM reference',
    example: 'website',
    edit: edits.replace(
      '        - GET /healthcheck\n',
      '        - request:\n            path: /healthcheck\n            headers:\n              Authorization: { ssm: /website/token, key: token }\n'
    ),
    expect: [
      [
        "functions.website.prehook.checks[0].request.headers.Authorization.key: `key` picks a field of a Secrets Manager secret's JSON; an SSM parameter is one value",
        "Configuration error at 'functions.website.prehook.checks.0",
      ],
    ],
    osls: true,
  },
];

const RUNS = CASES.flatMap((c) => [{ cli: 'serverless@3', ...c }, ...(c.osls ? [{ cli: 'osls', ...c }] : [])]);
const copyFor = (c, how) =>
  copyExample(c.example, `${c.cli}-${how}-${c.name}`, c.cli === 'osls' ? edits.forOsls : (y) => y, c.edit, c.extraEdit || ((y) => y));

function assertStops(c, output, dir) {
  const text = output.replace(/\s*\n\s*/g, ' ');
  for (const alternatives of c.expect) {
    const texts = [].concat(alternatives);
    assert.ok(texts.some((expected) => text.includes(expected)), `${JSON.stringify(texts)} in:\n${output}`);
  }
  assert.equal(fs.existsSync(templatePath(dir)), false, 'no template is written');
}

describe(`bad config, in one process per framework (${CASES.length} cases, ${RUNS.length} packages)`, () => {
  const packages = packagesInProcess();
  for (const c of RUNS) {
    const dir = copyFor(c, 'bad');
    const packaged = packages.add(c.cli, dir);
    it(`${c.cli} stops on ${c.name}`, async () => {
      const { error } = await packaged();
      assert.equal(typeof error, 'string', `packaging ${dir} threw nothing`);
      assertStops(c, error, dir);
    });
  }
});

describe('bad config, through the CLI', { concurrency: 4 }, () => {
  for (const c of RUNS.filter((c) => c.viaCli)) {
    it(`${c.cli} stops on ${c.name}, exit status non-zero`, async () => {
      const dir = copyFor(c, 'cli');
      const run = await runPackageAsync(c.cli, dir);
      assert.notEqual(run.status, 0, run.output);
      assertStops(c, run.output, dir);
    });
  }
});
