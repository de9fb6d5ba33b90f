'use strict';

// Copies an example service into e2e/.work/, edits its serverless.yml as a case needs, and
// runs the real `serverless package` of serverless@3 or osls in it.

const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..', '..');
const WORK = process.env.PREHOOK_E2E_WORK || path.join(ROOT, 'e2e', '.work');
const CLIS = {
  'serverless@3': path.join(ROOT, 'e2e', 'node_modules', 'serverless', 'bin', 'serverless.js'),
  osls: path.join(ROOT, 'e2e', 'node_modules', 'osls', 'bin', 'serverless.js'),
};
const CANARY_LINE = '  - serverless-plugin-canary-deployments\n';
const PREHOOK_LINE = '  - serverless-prehook\n';

/** The serverless.yml edits every case can ask for. */
const edits = {
  /** Lists serverless-prehook before the canary plugin. */
  prehookFirst(yml) {
    if (!yml.includes(CANARY_LINE + PREHOOK_LINE)) throw new Error('expected the canary plugin listed right before serverless-prehook');
    return yml.replace(CANARY_LINE + PREHOOK_LINE, PREHOOK_LINE + CANARY_LINE);
  },
  withoutCanary(yml) {
    if (!yml.includes(CANARY_LINE)) throw new Error('expected the canary plugin in the plugin list');
    return yml.replace(CANARY_LINE, '');
  },
  /** osls reports version 4: a `frameworkVersion: '3'` pin would stop it before our plugin runs. */
  forOsls(yml) {
    return yml.replace(/^frameworkVersion: '3'$/m, "frameworkVersion: '>=3'");
  },
  replace(from, to) {
    return (yml) => {
      if (!yml.includes(from)) throw new Error(`expected ${JSON.stringify(from)} in serverless.yml`);
      return yml.replace(from, to);
    };
  },
};

let counter = 0;
// Test files run side by side (e2e/run.sh), each in its own process with its own counter: the
// file's name keeps their copies apart.
const FILE = path.basename(process.argv[1] || 'e2e', '.test.js');

/** A fresh copy of examples/<example> with `edit`s applied to its serverless.yml. */
function copyExample(example, label, ...editors) {
  return copyFrom(path.join(ROOT, 'examples', example), example, label, editors);
}

/** A fresh copy of e2e/services/<service>, the services only the e2e tests use. */
function copyService(service, label, ...editors) {
  return copyFrom(path.join(ROOT, 'e2e', 'services', service), service, label, editors);
}

function copyFrom(source, name, label, editors) {
  counter += 1;
  const dir = path.join(WORK, `${FILE}-${String(counter).padStart(2, '0')}-${name}-${label}`.replace(/[^\w.-]+/g, '-'));
  fs.cpSync(source, dir, {
    recursive: true,
    filter: (source) => !/[\\/](node_modules|\.serverless)([\\/]|$)/.test(source),
  });
  const file = path.join(dir, 'serverless.yml');
  const yml = editors.reduce((text, editor) => editor(text), fs.readFileSync(file, 'utf8'));
  fs.writeFileSync(file, yml);
  return dir;
}

function packageEnv(env) {
  return {
    ...process.env,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_INTERACTIVE_SETUP_DISABLE: '1',
    FORCE_COLOR: '0',
    NO_COLOR: '1',
    ...env,
  };
}

/**
 * The environment of a CLI run that must not reach AWS: none of the machine's AWS settings, no
 * telemetry, no colours (the `prehook check` and serverless-offline runs).
 */
function cleanEnv(extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')));
  return {
    ...env,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_INTERACTIVE_SETUP_DISABLE: '1',
    SLS_DEPRECATION_DISABLE: '*',
    FORCE_COLOR: '0',
    NO_COLOR: '1',
    ...extra,
  };
}

/** Runs `<cli> package` in `dir`; returns its exit status and combined output. */
function runPackage(cli, dir, env = {}) {
  return runCommand(cli, dir, ['package'], env);
}

/** Runs `<cli> <args>` in `dir`; returns its exit status and combined output. */
function runCommand(cli, dir, args, env = {}) {
  const started = Date.now();
  const result = spawnSync(process.execPath, [CLIS[cli], ...args], {
    cwd: dir,
    env: packageEnv(env),
    encoding: 'utf8',
    timeout: 240_000,
  });
  if (result.error) throw result.error;
  return {
    status: result.status,
    output: `${result.stdout}\n${result.stderr}`,
    seconds: (Date.now() - started) / 1000,
  };
}

/** `runPackage` without blocking, so that several packages can run at once. */
function runPackageAsync(cli, dir, env = {}) {
  return runNode([CLIS[cli], 'package'], { cwd: dir, env: packageEnv(env), timeout: 240_000 });
}

/** Runs Node.js with `args` without blocking; resolves to its exit status, combined output and time. */
function runNode(args, options) {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, options);
    const chunks = [];
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.stderr.on('data', (chunk) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (status) =>
      resolve({ status, output: Buffer.concat(chunks).toString('utf8'), seconds: (Date.now() - started) / 1000 })
    );
  });
}

/**
 * `serverless package` of many copies by the framework's own code, one Node.js process per
 * framework (e2e/lib/package-in-process.js) instead of one CLI process per copy: a package of a
 * small example costs about 1 CPU s there against 3.5 s through serverless@3's CLI, most of
 * which is the CLI's start-up. For the tests that assert what a package writes; the CLI's own
 * part (its messages, its exit status, deploy) is asserted through runPackage.
 *
 * A test file adds each copy while its tests are being defined (`add` returns a function
 * resolving to `{ status, output }`, as runPackage's); the first result asked for packages
 * every copy added so far, the frameworks side by side. A result is `{ status, output, seconds,
 * error }`: runPackage's, and the message of what the package threw (or null).
 */
function packagesInProcess() {
  const dirs = new Map();
  let results;
  async function packageAll() {
    const byCli = new Map();
    for (const [dir, cli] of dirs) byCli.set(cli, [...(byCli.get(cli) || []), dir]);
    const done = await Promise.all(
      [...byCli].map(([cli, cliDirs]) => packageInProcess(cli, cliDirs, path.join(WORK, `${FILE}-${process.pid}-${cli.replace(/\W+/g, '')}.json`)))
    );
    return new Map(
      done.flat().map((r) => [r.dir, { status: r.error === null ? 0 : 1, error: r.error, output: `${r.output}\n${r.error || ''}`, seconds: r.seconds }])
    );
  }
  return {
    add(cli, dir) {
      if (!CLIS[cli]) throw new Error(`unknown framework ${cli}`);
      if (results) throw new Error(`${dir}: added after the packages ran: add every copy while the tests are being defined`);
      dirs.set(dir, cli);
      return async () => {
        results ||= packageAll();
        return (await results).get(dir);
      };
    },
  };
}

/** Runs e2e/lib/package-in-process.js on `dirs`; resolves to its `{ dir, error, output, seconds }` list. */
async function packageInProcess(cli, dirs, resultsFile) {
  const run = await runNode([path.join(__dirname, 'package-in-process.js'), cli, resultsFile, ...dirs], {
    env: packageEnv(),
    timeout: 60_000 + 30_000 * dirs.length,
  });
  if (run.status !== 0) throw new Error(`package-in-process.js ${cli} exited with ${run.status}:\n${run.output}`);
  return JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
}

let localawsCopy;
/**
 * The local AWS endpoints (`prehook-localaws`) the check and SAM tests run: the binary the test
 * build makes (scripts/lib/localaws.sh), or PREHOOK_LOCALAWS. Asked for by the tests that need
 * it, not by e2e/run.sh up front, so that the other files start while `make lint` is still
 * building it (scripts/lib/localaws.sh waits at cargo's lock until then). Run from a copy in
 * the work folder: a shared CARGO_TARGET_DIR may see another checkout build over the binary.
 */
function localaws() {
  if (process.env.PREHOOK_LOCALAWS) return process.env.PREHOOK_LOCALAWS;
  if (localawsCopy) return localawsCopy;
  const built = spawnSync(path.join(ROOT, 'scripts', 'lib', 'localaws.sh'), [], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (built.error) throw built.error;
  if (built.status !== 0) throw new Error(`scripts/lib/localaws.sh failed (${built.status}):\n${built.stderr}`);
  const copy = path.join(WORK, 'bin', `prehook-localaws-${FILE}`);
  fs.mkdirSync(path.dirname(copy), { recursive: true });
  fs.copyFileSync(built.stdout.trim(), `${copy}.tmp`);
  fs.renameSync(`${copy}.tmp`, copy);
  localawsCopy = copy;
  return copy;
}

function templatePath(dir) {
  return path.join(dir, '.serverless', 'cloudformation-template-update-stack.json');
}

/**
 * cfn-lint's findings on several templates, from one cfn-lint process: a Map from each file
 * (as an absolute path) to its findings, empty ones included. cfn-lint spends seconds loading its schemas before it reads a template, so
 * linting every template of a test file in one run is much quicker than one run each.
 */
function cfnLintAll(files) {
  const findings = new Map(files.map((file) => [path.resolve(file), []]));
  if (files.length === 0) return findings;
  const result = spawnSync('cfn-lint', ['--format', 'json', '--', ...files], {
    encoding: 'utf8',
    timeout: 60_000 + 30_000 * files.length,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  // Exit codes are a bit mask: 2 errors, 4 warnings, 8 informational; anything else is a crash.
  if (result.status & ~(2 | 4 | 8)) throw new Error(`cfn-lint failed (${result.status}): ${result.stderr}`);
  for (const finding of JSON.parse(result.stdout || '[]')) {
    const file = path.resolve(finding.Filename);
    if (!findings.has(file)) throw new Error(`cfn-lint reported on a file it was not given: ${finding.Filename}`);
    findings.get(file).push(finding);
  }
  return findings;
}

/** cfn-lint's findings on one template. */
function cfnLint(file) {
  return cfnLintAll([file]).get(path.resolve(file));
}

module.exports = { CLIS, WORK, cleanEnv, edits, copyExample, copyService, localaws, packagesInProcess, runCommand, runPackage, runPackageAsync, templatePath, cfnLint, cfnLintAll };
