'use strict';

// `serverless package` of many services in one Node.js process, each by the framework's own
// code as its CLI runs it: serverless.yml read by the framework's reader, its variables
// resolved by its resolver (the sources that need no AWS: env, file, opt, self, strToBool,
// sls; a .env file when `useDotenv`), the Serverless instance initialised with every plugin the service lists, its schema
// validation and the package lifecycle, the log lines written as the CLI writes them. What is
// left out is the CLI's start-up, about 1.5 s of CPU per service, paid once here, and its
// handling of a failure (the message it prints, the exit status): the tests that assert those
// run the CLI (e2e/lib/harness.js runPackage).
//
//   node e2e/lib/package-in-process.js <serverless@3|osls> <results.json> <service dir>...
//
// Writes one JSON document to results.json: for each dir, in order, `{ dir, error, output,
// seconds }`: the message of what the run threw or null, what the run wrote to stdout and
// stderr, and how long it took.
// One framework per process: the two keep module-level state.

const fs = require('fs');
const path = require('path');

const { CLIS } = require('./harness');

/** The framework's modules, by their path in serverless@3 (osls keeps the same layout). */
function frameworkOf(root) {
  const lib = (file) => require(path.join(root, 'lib', file));
  const sources = (file) => lib(path.join('configuration', 'variables', 'sources', file));
  // The CLI's log reporter: without it the framework's and the plugins' log lines go nowhere.
  const osls = path.join(root, 'lib', 'utils', 'serverless-utils', 'log-reporters', 'node.js');
  require(fs.existsSync(osls) ? osls : require.resolve('@serverless/utils/log-reporters/node', { paths: [root] }));
  return {
    Serverless: lib('serverless'),
    readConfiguration: lib(path.join('configuration', 'read')),
    resolveVariablesMeta: lib(path.join('configuration', 'variables', 'resolve-meta')),
    resolveVariables: lib(path.join('configuration', 'variables', 'resolve')),
    reportResolutionErrors: lib(path.join('configuration', 'variables', 'eventually-report-resolution-errors')),
    loadDotenv: lib(path.join('cli', 'conditionally-load-dotenv')),
    sources: {
      env: sources('env'),
      file: sources('file'),
      opt: sources('opt'),
      self: sources('self'),
      strToBool: sources('str-to-bool'),
      sls: sources(path.join('instance-dependent', 'get-sls'))(),
    },
  };
}

/**
 * Resolves the variables of `configuration` in place as the CLI does with no options: first
 * the properties that decide which .env file to load, then (`useDotenv`) that file into
 * process.env, then the rest.
 */
async function resolveVariables(framework, configurationPath, configuration, serviceDir) {
  const variablesMeta = framework.resolveVariablesMeta(configuration);
  // `fulfilledSources`: those whose missing values are final (a fallback then applies); the
  // environment is not until the .env file is loaded.
  const resolve = async (fulfilledSources, propertyPathsToResolve) => {
    if (!variablesMeta.size) return;
    await framework.resolveVariables({
      serviceDir,
      configuration,
      variablesMeta,
      sources: framework.sources,
      options: {},
      fulfilledSources: new Set(fulfilledSources),
      propertyPathsToResolve,
    });
    framework.reportResolutionErrors(configurationPath, configuration, variablesMeta);
  };
  framework.reportResolutionErrors(configurationPath, configuration, variablesMeta);
  await resolve(['file', 'self', 'strToBool'], new Set(['provider\0name', 'provider\0stage', 'useDotenv']));
  await framework.loadDotenv({}, configuration);
  await resolve(Object.keys(framework.sources));
  // What is left needs a source this runner has not (ssm, cf, s3, aws, a plugin's).
  if (variablesMeta.size) {
    const paths = [...variablesMeta.keys()].map((key) => key.split('\0').join('.'));
    throw new Error(`package-in-process: variables left unresolved (a source that needs the CLI or AWS) at ${paths.join(', ')}`);
  }
  return variablesMeta;
}

async function packageOne(framework, dir) {
  const configurationPath = path.join(dir, 'serverless.yml');
  const previous = process.cwd();
  // A service's .env (useDotenv) must not reach the next one.
  const environment = { ...process.env };
  process.chdir(dir);
  try {
    const configuration = await framework.readConfiguration(configurationPath);
    const variablesMeta = await resolveVariables(framework, configurationPath, configuration, dir);
    const serverless = new framework.Serverless({
      serviceDir: dir,
      configurationFilename: 'serverless.yml',
      configuration,
      isConfigurationResolved: true,
      variablesMeta,
      commands: ['package'],
      options: {},
    });
    await serverless.init();
    await serverless.run();
    return null;
  } catch (error) {
    return error.message;
  } finally {
    process.chdir(previous);
    for (const name of Object.keys(process.env)) if (!(name in environment)) delete process.env[name];
    Object.assign(process.env, environment);
  }
}

/** Runs `body` with everything written to stdout and stderr kept, and returns it. */
async function captured(body) {
  const chunks = [];
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  for (const stream of ['stdout', 'stderr']) {
    process[stream].write = (chunk, encoding, callback) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      if (typeof encoding === 'function') encoding();
      else if (typeof callback === 'function') callback();
      return true;
    };
  }
  try {
    const result = await body();
    return { result, output: chunks.join('') };
  } finally {
    Object.assign(process.stdout, { write: writes.stdout });
    Object.assign(process.stderr, { write: writes.stderr });
  }
}

async function main() {
  const [cli, resultsFile, ...dirs] = process.argv.slice(2);
  if (!CLIS[cli] || dirs.length === 0) throw new Error('usage: package-in-process.js <serverless@3|osls> <results.json> <service dir>...');
  const root = path.dirname(path.dirname(CLIS[cli]));
  const framework = frameworkOf(root);
  const results = [];
  for (const dir of dirs) {
    const started = Date.now();
    const loaded = new Set(Object.keys(require.cache));
    const { result: error, output } = await captured(() => packageOne(framework, path.resolve(dir)));
    results.push({ dir, error, output, seconds: (Date.now() - started) / 1000 });
    forgetModulesSince(loaded, root);
  }
  fs.writeFileSync(resultsFile, `${JSON.stringify(results)}\n`);
  // As the CLI does: what a plugin left running (esbuild's service process) must not keep this
  // process alive.
  process.exit(0);
}

/**
 * Drops from Node.js's module cache what a service's run loaded, but the framework's own files,
 * so that the next service gets its plugins fresh, as a CLI process of its own would: plugins
 * keep module-level state (esbuild's service keeps the working directory it started in, and
 * serverless-esbuild then resolves the next service's handlers in the first one's folder).
 * Native addons stay: a process loads a shared library once.
 */
function forgetModulesSince(loaded, root) {
  const own = `${path.join(root, 'lib')}${path.sep}`;
  for (const file of Object.keys(require.cache)) {
    if (!loaded.has(file) && !file.startsWith(own) && !file.endsWith('.node')) delete require.cache[file];
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
