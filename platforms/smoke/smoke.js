'use strict';

// The addon smoke test of `make test-platforms`: runs the same work through one build of the
// addon and writes one JSON document of the results, which scripts/test-platforms.sh compares
// byte for byte with the linux-x64-gnu build's. Nothing in the document depends on the
// platform, the Node.js version or the time taken (durations are left out), so any difference
// is a difference in the addon.
//
//   node platforms/smoke/smoke.js <addon.node | package dir> <out.json>
//
// Parts: the transform of every golden fixture (crates/prehook-core/tests/fixtures/*, with
// the plugin facts crates/prehook-core/tests/golden.rs uses), buildArtifact on a fixed
// shipped zip (with the zip's creator and modes checked here: a zip made on Windows must still
// start on Lambda), and a check run against an in-process Lambda Invoke endpoint over HTTP.
// Plain CommonJS and Node 20 APIs only: it runs under qemu-user and wine as well.

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const path = require('path');

const root = path.join(__dirname, '..', '..');
// platforms/smoke/package-lock.json: the same parser everywhere, so that the input is too.
const yaml = require('js-yaml');

// golden.rs: `{ "version": "1.2.3" }`, fixed so that results survive releases.
const FACTS = { version: '1.2.3' };
const FIXTURES = path.join(root, 'crates', 'prehook-core', 'tests', 'fixtures');
const SHIPPED_ZIP = path.join(__dirname, '..', 'fixtures', 'shipped.zip');
const { runChecks } = require(path.join(root, 'npm', 'serverless-prehook', 'lib', 'check', 'run.js'));

function loadAddon(where) {
  const resolved = path.resolve(where);
  // A package directory goes through its loader (package.json `main`), as a user's install does.
  return require(resolved);
}

function transforms(addon) {
  const out = {};
  for (const name of fs.readdirSync(FIXTURES).sort()) {
    const file = path.join(FIXTURES, name, 'serverless.yml');
    if (!fs.existsSync(file)) continue;
    const service = yaml.load(fs.readFileSync(file, 'utf8'));
    out[name] = addon.transform(service, FACTS);
  }
  return out;
}

// The zip's entries as its central directory records them: name, the host that made it
// (high byte of "version made by": 3 = Unix, 0 = DOS) and the Unix mode (high 16 bits of
// the external attributes).
function zipEntries(zip) {
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd -= 1;
  if (eocd < 0) throw new Error('buildArtifact: no end of central directory in the zip');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries = [];
  for (let i = 0; i < count; i += 1) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`buildArtifact: bad central directory entry ${i}`);
    const madeBy = zip.readUInt16LE(at + 4);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const external = zip.readUInt32LE(at + 38);
    entries.push({
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
      creator: madeBy >> 8 === 3 ? 'unix' : `host ${madeBy >> 8}`,
      mode: ((external >>> 16) & 0o7777).toString(8).padStart(4, '0'),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function artifact(addon, prehookJson) {
  let zip;
  try {
    zip = Buffer.from(addon.buildArtifact(fs.readFileSync(SHIPPED_ZIP), prehookJson));
  } catch (error) {
    return { ok: false, error: error.message };
  }
  const entries = zipEntries(zip);
  // Lambda runs `bootstrap` only if it is executable: asserted here, on every platform.
  const want = [
    { name: 'bootstrap', creator: 'unix', mode: '0755' },
    { name: 'prehook.json', creator: 'unix', mode: '0644' },
  ];
  if (JSON.stringify(entries) !== JSON.stringify(want)) {
    throw new Error(`buildArtifact: entries ${JSON.stringify(entries)}, expected ${JSON.stringify(want)}`);
  }
  return { ok: true, size: zip.length, sha256: crypto.createHash('sha256').update(zip).digest('hex'), entries };
}

// The service the check run uses: a healthy function, and one that answers 500 (with one
// retry, so the engine's retry path runs too).
const CHECK_SERVICE = {
  service: 'smoke',
  provider: { name: 'aws', runtime: 'nodejs22.x', stage: 'dev' },
  functions: {
    web: {
      handler: 'h.handler',
      events: [{ http: 'ANY /' }],
      prehook: {
        checks: [
          'GET /healthcheck',
          { name: 'home', request: 'GET /?lang=en', expect: { status: 200, bodyContains: 'Welcome', json: {} } },
        ],
      },
    },
    api: {
      handler: 'h.handler',
      events: [{ httpApi: 'GET /orders' }],
      prehook: { retries: 1, timeout: 5, checks: [{ request: 'GET /orders', expect: { status: '2xx' } }] },
    },
  },
};

// A Lambda Invoke endpoint (POST /2015-03-31/functions/NAME/invocations): `web` answers as
// an API Gateway proxy function, `api` fails with a 500.
function startFakeLambda() {
  const invocations = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url);
      if (req.method !== 'POST' || !match) {
        res.writeHead(404).end();
        return;
      }
      const name = decodeURIComponent(match[1]);
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      invocations.push(name);
      const reply = name.endsWith('-web')
        ? { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ page: 'Welcome', path: event.path || event.rawPath }) }
        : { statusCode: 500, body: 'boom' };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, port: server.address().port, invocations }));
  });
}

function invokeOver(port) {
  return ({ function: functionName, qualifier, payload }) =>
    new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: `/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations?Qualifier=${encodeURIComponent(qualifier)}`,
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ payload: Buffer.concat(chunks).toString('utf8') }));
        }
      );
      req.on('error', reject);
      req.end(payload);
    });
}

async function checks(addon) {
  const transformed = addon.transform(CHECK_SERVICE, FACTS);
  if (!transformed.ok) throw new Error(`check service: ${JSON.stringify(transformed.errors)}`);
  const prehookJson = transformed.changes.prehookJson;
  const config = new addon.CheckConfig(prehookJson);
  const selection = config.selectFunctions([], undefined);
  if (!selection.ok) throw new Error(`selectFunctions: ${selection.errors.map((e) => e.message).join('; ')}`);
  const targets = selection.functions.map((f) => ({ function: f.function, qualifier: '7' }));
  const fake = await startFakeLambda();
  try {
    // The plugin's own driver of the addon's CheckRun (the engine's state machine): the same
    // code `serverless prehook check` runs, on this addon.
    const reports = await runChecks(addon, config, targets, invokeOver(fake.port), undefined);
    // The verdicts themselves, so that a reference build that got them wrong fails too.
    const verdicts = reports.map((r) => `${r.key} ${r.check} ${r.passed ? 'passed' : 'failed'} after ${r.attempts}`);
    const want = ['web GET /healthcheck passed after 1', 'web home passed after 1', 'api GET /orders failed after 2'];
    if (JSON.stringify(verdicts.slice().sort()) !== JSON.stringify(want.slice().sort())) {
      throw new Error(`runChecks: ${JSON.stringify(verdicts)}, expected ${JSON.stringify(want)}`);
    }
    return {
      selection: selection.functions,
      // durationMs depends on the machine; everything else is the engine's decision.
      reports: reports.map(({ durationMs, ...rest }) => rest),
      invocations: fake.invocations.sort(),
    };
  } finally {
    fake.server.close();
  }
}

async function main() {
  const [where, outFile] = process.argv.slice(2);
  if (!where || !outFile) {
    console.error('usage: node platforms/smoke/smoke.js <addon.node | package dir> <out.json>');
    process.exit(2);
  }
  const addon = loadAddon(where);
  const transformed = transforms(addon);
  const oneFunction = transformed['one-function'];
  if (!oneFunction || !oneFunction.ok) throw new Error('the one-function fixture did not transform');
  const document = {
    coreVersion: addon.coreVersion(),
    transform: transformed,
    artifact: artifact(addon, oneFunction.changes.prehookJson),
    checks: await checks(addon),
  };
  fs.writeFileSync(outFile, `${JSON.stringify(document, null, 2)}\n`);
  const failed = document.checks.reports.filter((r) => !r.passed).length;
  console.log(
    `smoke: node ${process.version} ${process.platform}-${process.arch}: ` +
      `${Object.keys(transformed).length} fixtures, artifact ${document.artifact.size} bytes, ` +
      `${document.checks.reports.length} checks (${failed} failed as expected)`
  );
}

main().catch((error) => {
  console.error(`smoke: ${error.stack || error}`);
  process.exit(1);
});
