'use strict';

// The core (crates/prehook-node), through the loader that `napi build` generates in
// lib/binding/ (never edited by hand: scripts/build-addon.sh regenerates it). The loader picks
// this platform's package (serverless-prehook-<platform>, an optional dependency), or the
// WebAssembly build shipped in lib/binding/ where none fits (NAPI_RS_FORCE_WASI=true forces it).
// Required on first use only, so that commands that never package (print, info) work anywhere.

let loaded;

function load() {
  // The generated loader reads only `true` and `error`; `1`, the usual way to switch a flag
  // on (and the one the napi-rs docs of older CLIs used), would silently stay native.
  if (process.env.NAPI_RS_FORCE_WASI === '1') process.env.NAPI_RS_FORCE_WASI = 'true';
  if (!loaded) loaded = require('./binding');
  return loaded;
}

module.exports = { load };
