'use strict';

// The WebAssembly fallback end to end: with the packed plugin installed as a user gets it (this
// platform's package and the root package, which ships the wasm build), `serverless package` of
// examples/website on the wasm build gives the same template and the same hook zip, byte for
// byte, as on the native addon. NAPI_RS_FORCE_WASI=error makes the loader take the wasm build
// or fail: it never falls back to native in disguise.

const assert = require('node:assert/strict');
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { describe, it } = require('node:test');

const { WORK, copyExample, runPackage, templatePath } = require('../lib/harness');

const BINDING = path.join(WORK, 'node_modules', 'serverless-prehook', 'lib', 'binding');

/** Which build the installed plugin's generated loader picks under `env`. */
function loadedTarget(env) {
  const result = spawnSync(process.execPath, ['-p', `require(${JSON.stringify(BINDING)}).__napiBindingTarget`], {
    env: { ...process.env, NAPI_RS_FORCE_WASI: '', ...env },
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.trim();
}

/**
 * The template, without the two values the framework takes from the clock at each run: the
 * upload folder and the API Gateway deployment's logical id.
 */
function normalisedTemplate(dir) {
  const state = JSON.parse(fs.readFileSync(path.join(dir, '.serverless', 'serverless-state.json'), 'utf8'));
  const folder = state.package.artifactDirectoryName;
  assert.ok(folder, 'serverless-state.json names the upload folder');
  return fs
    .readFileSync(templatePath(dir), 'utf8')
    .split(folder)
    .join('<artifactDirectoryName>')
    .replace(/"ApiGatewayDeployment\d+"/g, '"ApiGatewayDeployment<timestamp>"');
}

function hookZips(dir) {
  return fs
    .readdirSync(path.join(dir, '.serverless'))
    .filter((name) => /^prehook-.*\.zip$/.test(name))
    .map((name) => ({ name, bytes: fs.readFileSync(path.join(dir, '.serverless', name)) }));
}

describe('the wasm fallback', () => {
  it('is what the installed loader picks under NAPI_RS_FORCE_WASI, and native otherwise', () => {
    assert.equal(loadedTarget({}), 'native');
    assert.equal(loadedTarget({ NAPI_RS_FORCE_WASI: 'error' }), 'wasm32-wasi');
    assert.equal(loadedTarget({ NAPI_RS_FORCE_WASI: 'true' }), 'wasm32-wasi');
  });

  it('packages examples/website into the same template and hook zip as the native addon (serverless@3)', () => {
    const nativeDir = copyExample('website', 'native');
    const wasmDir = copyExample('website', 'wasm');
    const native = runPackage('serverless@3', nativeDir, { NAPI_RS_FORCE_WASI: '' });
    assert.equal(native.status, 0, native.output);
    const wasm = runPackage('serverless@3', wasmDir, { NAPI_RS_FORCE_WASI: 'error' });
    assert.equal(wasm.status, 0, wasm.output);

    assert.equal(normalisedTemplate(wasmDir), normalisedTemplate(nativeDir));
    const [nativeZips, wasmZips] = [hookZips(nativeDir), hookZips(wasmDir)];
    assert.equal(nativeZips.length, 1, 'one hook artifact');
    assert.deepEqual(wasmZips, nativeZips);
  });
});
