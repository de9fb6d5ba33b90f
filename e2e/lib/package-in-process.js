'use strict';

// `serverless package` of many services in one Node.js process, each by the framework's own
// classes as its CLI runs them: serverless.yml read by the framework's reader, the Serverless
// instance initialised with every plugin the service lists, its schema validation and the
// package lifecycle. What the CLI adds around that (variables, none in the services this runs,
// and printing the error) is left out, and with it about 1.5 s of CPU per service: the
// framework's start-up, paid once here.
//
//   node e2e/lib/package-in-process.js <serverless@3|osls> <results.json> <service dir>...
//
// Writes one JSON document to results.json (stdout and stderr are the framework's and the
// plugins' logs): for each dir, in order, `{ dir, error }`, the message of what the run threw
// or null. One framework per process: the two keep module-level state.

const fs = require('fs');
const path = require('path');

const { CLIS } = require('./harness');

async function packageOne(framework, dir) {
  const Serverless = require(path.join(framework, 'lib', 'serverless'));
  const readConfiguration = require(path.join(framework, 'lib', 'configuration', 'read'));
  const previous = process.cwd();
  process.chdir(dir);
  try {
    const configuration = await readConfiguration(path.join(dir, 'serverless.yml'));
    const serverless = new Serverless({
      serviceDir: dir,
      configurationFilename: 'serverless.yml',
      configuration,
      isConfigurationResolved: true,
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
  }
}

async function main() {
  const [cli, resultsFile, ...dirs] = process.argv.slice(2);
  if (!CLIS[cli] || dirs.length === 0) throw new Error('usage: package-in-process.js <serverless@3|osls> <results.json> <service dir>...');
  const framework = path.dirname(path.dirname(CLIS[cli]));
  const results = [];
  for (const dir of dirs) results.push({ dir, error: await packageOne(framework, path.resolve(dir)) });
  fs.writeFileSync(resultsFile, `${JSON.stringify(results)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
