'use strict';

// `serverless prehook check`: runs the service's checks now, through the same Rust engine
// as the hook (the addon's CheckRun, driven by ./run), against a deployed version or
// serverless-offline.

const { clientConfig, createClient, invoker, listVersions } = require('./lambda');
const { secretReader } = require('./secrets');
const { functionNames, lifecycleEvent, target } = require('./options');
const { failureMessage, jsonReport, textReport } = require('./report');
const { runChecks } = require('./run');

/** A problem to show the user as is (the plugin turns it into a framework error). */
class CheckError extends Error {}

/**
 * Runs the checks. `hookConfigJson` is the core's `prehook.json` of the service; `write`
 * prints one line of the result. Resolves to the reports; throws a CheckError when the run
 * could not start, or when a check failed in text mode. With --json a failure is only in the
 * document (stdout stays one JSON document): the caller sets the exit code.
 */
async function runCheck({ core, hookConfigJson, options, custom, provider, write }) {
  let where;
  try {
    where = target(options, custom);
  } catch (error) {
    throw new CheckError(error.message);
  }
  const event = lifecycleEvent(options);
  // Parsed once: the selection and the run both read this one.
  let config;
  try {
    config = new core.CheckConfig(hookConfigJson);
  } catch (error) {
    throw new CheckError(`prehook check: ${error.message}`);
  }
  const selection = config.selectFunctions(functionNames(options.function), event);
  if (!selection.ok) throw new CheckError(`prehook check: ${selection.errors.map((e) => e.message).join('; ')}`);

  const client = await createClient(provider, where);
  // Secrets come from AWS with the caller's credentials, also when the functions run locally.
  const readSecret = secretReader(await clientConfig(provider, { local: false }));
  try {
    const targets = [];
    for (const { function: functionName } of selection.functions) {
      targets.push({ function: functionName, qualifier: await qualifierOf(core, client, functionName, options, where) });
    }
    const reports = await runChecks(core, config, targets, invoker(client), event, readSecret);
    if (options.json) {
      write(JSON.stringify(jsonReport(reports, where), null, 2));
    } else {
      for (const line of textReport(reports)) write(line);
    }
    if (!options.json && reports.some((r) => !r.passed)) throw new CheckError(failureMessage(reports));
    return reports;
  } finally {
    client.destroy();
    readSecret.destroy();
  }
}

/** `--qualifier`, else `$LATEST` locally, else the function's latest published version. */
async function qualifierOf(core, client, functionName, options, where) {
  if (options.qualifier !== undefined && options.qualifier !== true) return String(options.qualifier);
  if (where.local) return '$LATEST';
  let versions;
  try {
    versions = await listVersions(client, functionName);
  } catch (error) {
    throw new CheckError(`prehook check: cannot list the versions of ${functionName}: ${error.message || error.name}`);
  }
  const latest = core.latestPublishedVersion(versions);
  if (latest == null) {
    throw new CheckError(
      `prehook check: ${functionName} has no published version yet: deploy it first (sls deploy), or pass --qualifier`
    );
  }
  return latest;
}

module.exports = { runCheck, CheckError };
