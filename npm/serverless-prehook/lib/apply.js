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
  let zip;
  try {
    zip = addon.buildArtifact(fs.readFileSync(shipped), changes.prehookJson);
  } catch (error) {
    throw new Error(`serverless-prehook: ${error.message}`);
  }
  fs.mkdirSync(path.dirname(changes.artifact.path), { recursive: true });
  fs.writeFileSync(changes.artifact.path, zip);
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

/**
 * The alias serverless-plugin-canary-deployments wrote for a checked function, which the steps
 * below finish: its `FunctionVersion` is a `Fn::GetAtt` of the version this deploy creates, whose
 * hashed logical id exists only in the compiled template.
 */
function compiledAlias(resources, aliasLogicalId, functionKey) {
  const alias = resources[aliasLogicalId];
  if (!alias || alias.Type !== 'AWS::Lambda::Alias' || !alias.Properties || alias.Properties.FunctionVersion == null) {
    const of = functionKey ? ` for functions.${functionKey}` : '';
    throw new Error(
      `serverless-prehook: the compiled template has no alias ${aliasLogicalId}${of}, ` +
        'which serverless-plugin-canary-deployments creates: is it listed under `plugins`?'
    );
  }
  return alias;
}

/** Adds `ids` to the resource's `DependsOn`, keeping what another plugin wrote (a string or a list). */
function addDependsOn(resource, ids) {
  const existing = resource.DependsOn == null ? [] : [].concat(resource.DependsOn);
  resource.DependsOn = [...existing, ...ids.filter((id) => !existing.includes(id))];
}

/**
 * Finishes the rollback alarms of each alias (the core's `aliasAlarms`): `ExecutedVersion` = the
 * alias's `FunctionVersion`, and the alias waits for its alarms, so that CloudFormation updates
 * them before the alias update that starts the CodeDeploy deployment. Returns the alias logical
 * ids it changed.
 */
function finishAliasAlarms(template, aliasAlarms) {
  const resources = template.Resources || {};
  const alarm = (id) => {
    const found = resources[id];
    if (!found || !found.Properties) {
      throw new Error(`serverless-prehook: the compiled template has no ${id}, a rollback alarm serverless-prehook added`);
    }
    return found;
  };
  for (const entry of aliasAlarms || []) {
    const version = compiledAlias(resources, entry.aliasLogicalId).Properties.FunctionVersion;
    for (const id of entry.executedVersion) {
      const properties = alarm(id).Properties;
      const dimensions = properties.Dimensions.filter((d) => d.Name !== 'ExecutedVersion');
      dimensions.push({ Name: 'ExecutedVersion', Value: JSON.parse(JSON.stringify(version)) });
      properties.Dimensions = dimensions;
    }
    entry.dependsOn.forEach(alarm);
    addDependsOn(resources[entry.aliasLogicalId], entry.dependsOn);
  }
  return (aliasAlarms || []).map((entry) => entry.aliasLogicalId);
}

/**
 * Completes the first-deploy gates (the core's `firstDeploy`): each gate checks the version its
 * alias points at (the alias's `FunctionVersion`), and the alias waits for the gate. Returns the
 * logical ids of the gates added.
 */
function completeFirstDeployGates(template, gates) {
  const resources = template.Resources || {};
  for (const gate of gates) {
    const alias = compiledAlias(resources, gate.aliasLogicalId, gate.function);
    const resource = JSON.parse(JSON.stringify(gate.resource));
    resource.Properties.Version = alias.Properties.FunctionVersion;
    resources[gate.logicalId] = resource;
    addDependsOn(alias, [gate.logicalId]);
  }
  return gates.map((gate) => gate.logicalId);
}

module.exports = {
  appendAt,
  applyToService,
  completeFirstDeployGates,
  finishAliasAlarms,
  isolateCompiledHook,
  removeCanaryGrant,
  writeArtifact,
};
