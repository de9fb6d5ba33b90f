'use strict';

// Assertions on the first-deploy gate in a packaged template (e2e/tests/package.test.js,
// e2e/tests/first-deploy.test.js): the custom resource, what it checks, and that nothing that
// routes traffic to the alias can exist before it has answered.

const assert = require('node:assert/strict');

/** Logical ids `value` refers to (Ref, Fn::GetAtt, ${...} in Fn::Sub), anywhere inside it. */
function references(value, found = new Set()) {
  if (Array.isArray(value)) {
    for (const item of value) references(item, found);
  } else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') found.add(inner);
      else if (key === 'Fn::GetAtt') found.add(Array.isArray(inner) ? inner[0] : String(inner).split('.')[0]);
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(inner) ? inner[0] : inner;
        for (const [, name] of String(text).matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)) found.add(name);
        references(inner, found);
      } else references(inner, found);
    }
  }
  return found;
}

/** Every logical id `id` waits for in `resources`, directly or not (DependsOn and references). */
function dependencies(resources, id, seen = new Set()) {
  const resource = resources[id];
  if (!resource) return seen;
  const direct = new Set([...[].concat(resource.DependsOn || []), ...references(resource.Properties || {})]);
  for (const dep of direct) {
    if (seen.has(dep) || !resources[dep]) continue;
    seen.add(dep);
    dependencies(resources, dep, seen);
  }
  return seen;
}

/**
 * `gate` checks the version `alias` points at, answered by the hook; the alias and everything
 * that refers to it wait for it. Returns the resources that route to the alias.
 */
function assertGate(template, { gate, alias, functionLogicalId, aliasName = 'Live', hook = 'PreHookLambdaFunction' }) {
  const resources = template.Resources;
  const resource = resources[gate];
  assert.ok(resource, `no ${gate} in the template`);
  assert.equal(resource.Type, 'Custom::PrehookFirstDeploy');
  const aliasResource = resources[alias];
  assert.deepEqual(resource.Properties, {
    ServiceToken: { 'Fn::GetAtt': [hook, 'Arn'] },
    FunctionName: { Ref: functionLogicalId },
    Alias: aliasName,
    // The version this deploy publishes, as the alias names it: a new one changes the property,
    // so CloudFormation asks the gate again on every deploy that publishes one.
    Version: aliasResource.Properties.FunctionVersion,
  });
  const [version] = aliasResource.Properties.FunctionVersion['Fn::GetAtt'];
  assert.equal(resources[version].Type, 'AWS::Lambda::Version');
  assert.deepEqual(resources[version].Properties.FunctionName, { Ref: functionLogicalId });
  assert.ok([].concat(aliasResource.DependsOn).includes(gate), `${alias} depends on ${gate}`);
  // Whatever points at the alias (API Gateway methods, permissions, event source mappings)
  // exists only once the gate has answered SUCCESS.
  const routing = Object.keys(resources).filter((id) => id !== alias && references(resources[id]).has(alias));
  for (const id of routing) assert.ok(dependencies(resources, id).has(gate), `${id} routes to ${alias} before ${gate} answers`);
  // The gate itself does not wait for anything that routes traffic.
  for (const id of dependencies(resources, gate)) assert.ok(!routing.includes(id) && id !== alias, `${gate} waits for ${id}`);
  return routing;
}

module.exports = { assertGate, dependencies, references };
