'use strict';

// `npm pack` / `npm publish` hook: copies the hook zips of both architectures from the
// repository's dist/hook/ (written by scripts/build-hook.sh) into hook/, and refuses to pack
// without them or without the WebAssembly core in lib/binding/ (scripts/build-addon.sh): a
// package that cannot deploy its hook, or has no core where no platform package fits, must
// not exist. The native cores are in the platform packages (npm/platforms/<platform>/).
// PREHOOK_PACK_TEST=1 (`scripts/pack-plugin.sh --test`, for e2e and the rehearsal only): the
// x86_64 zip is enough, since `make test` builds no other; such a pack is never published.

const fs = require('fs');
const path = require('path');

const packageDir = path.join(__dirname, '..');
const { version } = require('../package.json');
const distHook = path.join(packageDir, '..', '..', 'dist', 'hook');
const hookDir = path.join(packageDir, 'hook');

function fail(message) {
  console.error(`serverless-prehook prepack: ${message}`);
  process.exit(1);
}

for (const name of ['index.js', 'prehook.wasi.cjs', 'wasi-worker.mjs', 'prehook.wasm32-wasi.wasm']) {
  if (!fs.existsSync(path.join(packageDir, 'lib', 'binding', name))) {
    fail(`lib/binding/${name} is missing: run scripts/build-addon.sh first (it builds the wasm32-wasip1-threads core)`);
  }
}

fs.rmSync(hookDir, { recursive: true, force: true });
fs.mkdirSync(hookDir);
const testPack = process.env.PREHOOK_PACK_TEST === '1';
for (const arch of ['x86_64', 'arm64']) {
  const name = `prehook-${version}-${arch}.zip`;
  const source = path.join(distHook, name);
  if (!fs.existsSync(source)) {
    if (testPack && arch !== 'x86_64') {
      console.error(`serverless-prehook prepack: test pack without the ${arch} hook zip (not for release)`);
      continue;
    }
    fail(`${path.relative(process.cwd(), source)} is missing: run scripts/build-hook.sh first`);
  }
  fs.copyFileSync(source, path.join(hookDir, name));
}

// The platform packages become optionalDependencies at the exact same version, in the packed
// package.json only: they are published together with this one (the release workflow), so
// they are not in the registry while it is being developed, and a committed list would put
// packages that cannot be fetched in package-lock.json and break `npm ci` (napi-rs adds them
// at publish time for the same reason). scripts/postpack.js puts package.json back.
const manifestPath = path.join(packageDir, 'package.json');
const manifestText = fs.readFileSync(manifestPath, 'utf8');
fs.writeFileSync(path.join(packageDir, 'package.json.prepack'), manifestText);
const manifest = JSON.parse(manifestText);
const platformsDir = path.join(packageDir, '..', 'platforms');
manifest.optionalDependencies = Object.fromEntries(
  fs
    .readdirSync(platformsDir)
    .sort()
    .map((platform) => require(path.join(platformsDir, platform, 'package.json')))
    .map((platformPackage) => {
      if (platformPackage.version !== version) {
        fail(`${platformPackage.name} is version ${platformPackage.version}, the plugin ${version}: they are published together`);
      }
      return [platformPackage.name, version];
    })
);
fs.writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
