'use strict';

// Long-running helpers of the e2e tests (serverless offline, the local Lambda API), each in
// a process group of its own, stopped by the test that started it and, whatever happens,
// when this process exits: nothing is left running.

const { spawn } = require('child_process');
const net = require('net');

const started = new Set();

function stopGroup(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

process.on('exit', () => {
  for (const child of started) stopGroup(child);
});
// 'exit' does not run when a signal ends the process: stop the groups first, then exit.
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.once(signal, () => process.exit(code));
}

/** An ephemeral port nobody listens on right now (other suites run offline on 3002). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts `command` in its own process group; output is collected in `child.output`. */
function startGroup(command, args, options) {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  started.add(child);
  child.output = '';
  child.stdout.on('data', (chunk) => (child.output += chunk));
  child.stderr.on('data', (chunk) => (child.output += chunk));
  child.exited = new Promise((resolve) => child.once('exit', resolve));
  child.exited.then(() => started.delete(child));
  return child;
}

/** Stops the group politely, then for good. */
async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => stopGroup(child), 5000);
  await child.exited;
  clearTimeout(timer);
}

/** Resolves once `port` accepts connections; rejects if `child` dies or time runs out. */
async function waitForPort(child, port, seconds, what) {
  const deadline = Date.now() + seconds * 1000;
  while (!(await portOpen(port))) {
    if (child.exitCode !== null) throw new Error(`${what} stopped before it listened on ${port}:\n${child.output}`);
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port} within ${seconds} s:\n${child.output}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Runs a command to its end; resolves to `{ status, stdout, stderr }`. */
function run(command, args, options, timeoutMs = 120_000) {
  return new Promise((resolve, reject) => {
    const child = startGroup(command, args, options);
    child.stdin.end();
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      stopGroup(child);
      reject(new Error(`${args.join(' ')} ran longer than ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

module.exports = { freePort, startGroup, stop, waitForPort, run };
