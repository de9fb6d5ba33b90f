'use strict';

// `npm pack` / `npm publish` hook: copies the hook zips of both architectures from the
// repository's dist/hook/ (written by scripts/build-hook.sh) into hook/, and refuses to pack
// without them or without the addon: a package that cannot deploy its hook must not exist.
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

if (!fs.readdirSync(packageDir).some((name) => /^prehook\..+\.node$/.test(name))) {
  fail('no addon (prehook.<platform>.node): run scripts/build-addon.sh first');
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
