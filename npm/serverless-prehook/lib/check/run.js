'use strict';

// Drives the addon's CheckRun (prehook-engine, the hook's own engine) with plain promises and
// timers: the run says what to invoke and until when to wait; this performs the invokes,
// keeps the time and feeds every answer back. Nothing crosses the binding but data, so the
// same code runs on the native addon and on the WebAssembly one.

const { performance } = require('node:perf_hooks');

const { resolveSecrets } = require('./secrets');

/**
 * Runs the checks of `targets` (`[{ function, qualifier }]`) in `config` (the addon's
 * CheckConfig, prehook.json parsed) as the hook would and resolves to
 * their reports in plan order. `invoke(request)` performs one Lambda Invoke and resolves to
 * `{ functionError, payload }`; a rejection is a failed invoke, its `String(error)`
 * (`AccessDeniedException: ...`) the reason. `readSecret(reference)` reads one secret
 * reference of the checks (./secrets), before the first invoke; without it such checks fail
 * unsent. Throws when the run cannot start (a target without checks).
 */
async function runChecks(core, config, targets, invoke, lifecycleEvent, readSecret) {
  const run = new core.CheckRun(config, targets, {
    lifecycleEvent,
    runId: `check-${process.pid}`,
    epochMs: Date.now(),
  });
  if (readSecret) await resolveSecrets(run, readSecret);
  // The run's clock starts once the secrets are read, as the hook's checks start then.
  const started = performance.now();
  const now = () => performance.now() - started;
  // Resolves the current wait early when an answer comes.
  let answered = () => {};
  const settle = (feed) => {
    feed();
    answered();
  };
  for (;;) {
    const step = run.next(now());
    if (step.done) return run.reports();
    for (const request of step.invokes) {
      let pending;
      try {
        pending = Promise.resolve(invoke(request));
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        (reply) => settle(() => complete(run, request.id, now(), reply)),
        (error) => settle(() => run.fail(request.id, now(), describe(error)))
      );
    }
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, step.wakeAtMs - now()));
      answered = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** Feeds back a reply; one the addon cannot read (no `payload` text) counts as a failed invoke. */
function complete(run, id, at, reply) {
  try {
    run.complete(id, at, reply);
  } catch (error) {
    run.fail(id, at, describe(error));
  }
}

/** A rejection as the reason a check shows: `name: message`, as JS prints an Error. */
function describe(error) {
  return String(error);
}

module.exports = { runChecks };
