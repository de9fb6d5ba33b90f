'use strict';

// Applies the core's changes to `serverless.service`. Nothing here decides anything: the
// transform (Rust) has already validated the config and computed every value.

const fs = require('fs');
const path = require('path');

/** Appends `items` to the list at `keys` under `root`, creating what is missing. */
function appendAt(root, keys, items) {
  let node = root;
  keys.slice(0, -1).forEach((key) => {
    if (node[key] == null || typeof node[key] !== 'object') node[key] = {};
    node = node[key];
  });
  const last = keys[keys.length - 1];
  if (!Array.isArray(node[last])) node[last] = [];
  node[last].push(...items);
}

/** Writes the hook's zip (shipped bootstrap + prehook.json) where the function's artifact points. */
function writeArtifact(addon, changes, hookDir) {
  const shipped = path.join(hookDir, changes.artifact.shippedFileName);
  if (!fs.existsSync(shipped)) {
    throw new Error(
      `serverless-prehook: the hook zip ${changes.artifact.shippedFileName} is missing from the package ` +
        `(${hookDir}): reinstall serverless-prehook`
    );
  }
  const built = addon.buildArtifact(fs.readFileSync(shipped), changes.prehookJson);
  if (!built.ok) throw new Error(`serverless-prehook: ${built.error}`);
  fs.mkdirSync(path.dirname(changes.artifact.path), { recursive: true });
  fs.writeFileSync(changes.artifact.path, built.zip);
}

/** Puts the hook function(s), IAM and deploymentSettings into the service. */
function applyToService(service, changes) {
  service.functions = service.functions || {};
  service.functions[changes.hookFunctionKey] = changes.hookFunction;
  // Only when a function has afterTraffic: the same artifact and role, under its own key.
  if (changes.postTrafficHook) {
    service.functions[changes.postTrafficHook.functionKey] = changes.postTrafficHook.function;
  }
  for (const [key, settings] of Object.entries(changes.deploymentSettings)) {
    service.functions[key].deploymentSettings = settings;
  }
  // provider.versionFunctions is false: the framework's per-function override publishes them.
  for (const key of changes.versionedFunctions || []) {
    service.functions[key].versionFunction = true;
  }
  if (changes.iam.statementsTarget && changes.iam.statements.length > 0) {
    // statementsTarget starts at `provider`, which lives on the service object.
    appendAt(service, changes.iam.statementsTarget, changes.iam.statements);
  }
  addResources(service, changes.iam.resources);
  // The core has already refused logical ids the user's resources hold: nothing is overwritten.
  addResources(service, changes.alarms || {});
}

function addResources(service, resources) {
  if (Object.keys(resources).length === 0) return;
  if (service.resources == null || typeof service.resources !== 'object') service.resources = {};
  if (service.resources.Resources == null) service.resources.Resources = {};
  Object.assign(service.resources.Resources, resources);
}

const sameSet = (a, b) => {
  const key = (items) => [].concat(items).map((item) => JSON.stringify(item)).sort().join('\n');
  return key(a) === key(b);
};

/**
 * Removes `grant` (the canary plugin's PutLifecycleEventHookExecutionStatus statement) from
 * the shared role in the compiled template. Only a statement with the same actions and the
 * same resources is removed. Returns whether one was.
 */
function removeCanaryGrant(template, roleLogicalId, grant) {
  const role = template.Resources && template.Resources[roleLogicalId];
  if (!role || !role.Properties || !Array.isArray(role.Properties.Policies)) return false;
  let removed = false;
  for (const policy of role.Properties.Policies) {
    const document = policy.PolicyDocument;
    if (!document || !Array.isArray(document.Statement)) continue;
    const kept = document.Statement.filter(
      (statement) =>
        !(
          statement.Effect === grant.Effect &&
          sameSet(statement.Action, grant.Action) &&
          sameSet(statement.Resource, grant.Resource)
        )
    );
    removed = removed || kept.length !== document.Statement.length;
    document.Statement = kept;
  }
  return removed;
}

/**
 * Applies `compiledHook` (the core's `compiledHook`) to the hook's compiled function: removes
 * what only the service's provider settings put there, sets its own VPC if it has one, and
 * drops `DependsOn` entries a `Fn::GetAtt` already enforces. Returns the removed property names.
 */
function isolateCompiledHook(template, compiledHook) {
  const resource = template.Resources && template.Resources[compiledHook.logicalId];
  if (!resource || !resource.Properties) {
    throw new Error(
      `serverless-prehook: the compiled template has no ${compiledHook.logicalId}, the hook function it injected`
    );
  }
  const removed = compiledHook.removeProperties.filter((name) => name in resource.Properties);
  for (const name of removed) delete resource.Properties[name];
  Object.assign(resource.Properties, compiledHook.setProperties || {});
  if (resource.DependsOn != null) {
    // The framework writes a list; osls writes a lone dependency as a string.
    const kept = [].concat(resource.DependsOn).filter((id) => !compiledHook.removeDependsOn.includes(id));
    if (kept.length === 0) delete resource.DependsOn;
    else resource.DependsOn = Array.isArray(resource.DependsOn) ? kept : kept[0];
  }
  return removed;
}

module.exports = { appendAt, applyToService, isolateCompiledHook, removeCanaryGrant, writeArtifact };
