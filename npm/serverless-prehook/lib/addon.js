'use strict';

// Loads the native core (crates/prehook-node) built for this platform by scripts/build-addon.sh.
// Loaded on first use, so that commands that never package (print, info) work anywhere.

const fs = require('fs');
const path = require('path');

function addonFileName() {
  const { platform, arch } = process;
  const suffix = platform === 'linux' ? `${platform}-${arch}-gnu` : `${platform}-${arch}`;
  return `prehook.${suffix}.node`;
}

let loaded;

function load() {
  if (loaded) return loaded;
  const root = path.join(__dirname, '..');
  const file = path.join(root, addonFileName());
  if (!fs.existsSync(file)) {
    const shipped = fs
      .readdirSync(root)
      .filter((name) => name.endsWith('.node'))
      .map((name) => name.slice('prehook.'.length, -'.node'.length));
    throw new Error(
      `serverless-prehook has no native core for ${process.platform}-${process.arch} ` +
        `(this package ships: ${shipped.join(', ') || 'none'}); build it with scripts/build-addon.sh`
    );
  }
  loaded = require(file);
  return loaded;
}

module.exports = { load, addonFileName };
