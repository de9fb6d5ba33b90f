'use strict';

// Runs the real Serverless Framework (v3, the package's devDependency) in-process on a
// service written to a temporary folder inside this package, so that plugins resolve from
// this package's node_modules.

const fs = require('fs');
const os = require('os');
const path = require('path');

const PLUGIN_DIR = path.join(__dirname, '..');
const Serverless = require('serverless');
const { writeZip } = require('./zip');
const { version } = require('../package.json');

const HOOK_DIR = path.join(PLUGIN_DIR, 'hook');
const DIST_HOOK_DIR = path.join(PLUGIN_DIR, '..', '..', 'dist', 'hook');
const FIXTURE_MARK = path.join(HOOK_DIR, '.test-fixture');

/**
 * The plugin reads the shipped hook zips from hook/, which `npm pack` fills from dist/hook/.
 * Tests use the built zips when there are some; otherwise (a fresh clone, before
 * scripts/build-hook.sh) stand-in zips whose `bootstrap` is a shell script, removed again by
 * cleanup(). prepack replaces hook/ whole, so a stand-in can never be packed.
 */
function ensureHookZips() {
  fs.mkdirSync(HOOK_DIR, { recursive: true });
  for (const arch of ['x86_64', 'arm64']) {
    const name = `prehook-${version}-${arch}.zip`;
    if (fs.existsSync(path.join(HOOK_DIR, name))) continue;
    if (fs.existsSync(path.join(DIST_HOOK_DIR, name))) {
      fs.copyFileSync(path.join(DIST_HOOK_DIR, name), path.join(HOOK_DIR, name));
      continue;
    }
    const bootstrap = Buffer.from('#!/bin/sh\necho "test stand-in for the hook" >&2\nexit 1\n');
    fs.writeFileSync(path.join(HOOK_DIR, name), writeZip([{ name: 'bootstrap', mode: 0o755, data: bootstrap }]));
    fs.writeFileSync(FIXTURE_MARK, '');
  }
}

ensureHookZips();

process.env.SLS_TELEMETRY_DISABLED = '1';
process.env.SLS_NOTIFICATIONS_MODE = 'off';

function tempServiceDir() {
  const base = path.join(PLUGIN_DIR, '.test-services');
  fs.mkdirSync(base, { recursive: true });
  return fs.mkdtempSync(path.join(base, 'svc-'));
}

/**
 * Writes `files` to a new service folder and runs `serverless package` there; `beforeRun` gets
 * the initialised instance first (to look at a plugin, say).
 */
async function packageService(configuration, { options = {}, files = {}, beforeRun = () => {} } = {}) {
  const serviceDir = tempServiceDir();
  for (const [name, text] of Object.entries({ 'handler.js': 'exports.handler = async () => ({})\n', ...files })) {
    fs.writeFileSync(path.join(serviceDir, name), text);
  }
  fs.writeFileSync(path.join(serviceDir, 'serverless.yml'), '# configuration passed in-process\n');
  const serverless = new Serverless({
    serviceDir,
    configurationFilename: 'serverless.yml',
    configuration: JSON.parse(JSON.stringify(configuration)),
    isConfigurationResolved: true,
    commands: ['package'],
    options,
  });
  const previousCwd = process.cwd();
  process.chdir(serviceDir);
  try {
    await serverless.init();
    beforeRun(serverless);
    await serverless.run();
  } finally {
    process.chdir(previousCwd);
  }
  const templatePath = path.join(serviceDir, '.serverless', 'cloudformation-template-update-stack.json');
  return {
    serverless,
    serviceDir,
    template: JSON.parse(fs.readFileSync(templatePath, 'utf8')),
  };
}

/** A service with the two plugins, in the given order. */
function service({ functions, custom, provider = {}, pluginsReversed = false, withCanary = true }) {
  const plugins = [withCanary ? 'serverless-plugin-canary-deployments' : null, PLUGIN_DIR].filter(Boolean);
  return {
    service: 'shop',
    frameworkVersion: '3',
    provider: { name: 'aws', runtime: 'nodejs20.x', region: 'us-east-1', ...provider },
    plugins: pluginsReversed ? plugins.reverse() : plugins,
    custom,
    functions,
  };
}

function cleanup() {
  fs.rmSync(path.join(PLUGIN_DIR, '.test-services'), { recursive: true, force: true });
  if (fs.existsSync(FIXTURE_MARK)) fs.rmSync(HOOK_DIR, { recursive: true, force: true });
}

module.exports = { PLUGIN_DIR, packageService, service, cleanup, tmpdir: os.tmpdir };
