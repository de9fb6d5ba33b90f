'use strict';

// Prints what `serverless package` injected into a service: the hook function, its IAM
// statements, and per checked function the deploymentSettings, the alias wiring and the
// checks, the latter read from the prehook.json that the packaged hook artifact carries.
// Usage: node show-package.js <service dir> <prehook.json extracted from the artifact>

const fs = require('node:fs');
const path = require('node:path');

function main([serviceDir, configPath]) {
  const dir = path.join(serviceDir, '.serverless');
  const template = readJson(path.join(dir, 'cloudformation-template-update-stack.json'));
  const state = readJson(path.join(dir, 'serverless-state.json'));
  const config = readJson(configPath);
  const resources = template.Resources;
  const functions = state.service.functions;

  const hookKey = findHookKey(state);
  const hook = functions[hookKey];
  const hookId = logicalIdOfFunction(resources, hook.name);
  const hookProps = resources[hookId].Properties;

  out('Hook functions');
  out(`  ${hookKey} (${hook.name}): runtime ${hookProps.Runtime}, handler ${hookProps.Handler}, ` +
    `${(hookProps.Architectures || ['x86_64']).join('/')}, ${hookProps.MemorySize} MB, timeout ${hookProps.Timeout} s, ` +
    `${lifecycleEvent(hookProps)}`);
  // The post-traffic hook (only with afterTraffic): the same artifact and role.
  const postKey = Object.keys(functions).find((key) => key !== hookKey && functions[key].package &&
    functions[key].package.artifact === hook.package.artifact);
  if (postKey) {
    const postProps = resources[logicalIdOfFunction(resources, functions[postKey].name)].Properties;
    out(`  ${postKey} (${functions[postKey].name}): the same artifact and role, ${lifecycleEvent(postProps)}`);
  }
  out(`  artifact ${path.relative(serviceDir, path.resolve(serviceDir, hook.package.artifact))}`);

  out('IAM statements of the hook\'s role');
  const role = roleOf(resources, hookProps.Role);
  out(`  role ${role.label}`);
  for (const statement of role.statements) {
    out(`  ${statement.Effect} ${list(statement.Action).join(', ')}`);
    for (const resource of list(statement.Resource)) out(`      on ${render(resource)}`);
  }

  out('Checked functions');
  for (const [deployedName, checks] of Object.entries(config.functions)) {
    const fn = functions[checks.key] || {};
    out(`  ${checks.key} (${deployedName}): event ${checks.event}, ${checks.retries} retries, ${checks.timeout} s per attempt`);
    out(`    deploymentSettings ${JSON.stringify(fn.deploymentSettings || null)}`);
    for (const alias of aliasesHookedTo(resources, hookId, logicalIdOfFunction(resources, deployedName))) {
      const after = alias.after ? `, AfterAllowTrafficHook -> ${alias.after}` : '';
      out(`    alias ${alias.name}: BeforeAllowTrafficHook -> ${hookId}${after}, deployment group ${alias.group}`);
      // The gate CloudFormation asks while the alias does not exist yet (no CodeDeploy then).
      for (const gate of list(alias.dependsOn).filter((id) => resources[id] && resources[id].Type === 'Custom::PrehookFirstDeploy')) {
        out(`    alias ${alias.name}: waits for ${gate} (Custom::PrehookFirstDeploy -> ${hookId}), which checks version ${render(resources[gate].Properties.Version)} when the alias is new`);
      }
    }
    for (const check of checks.checks) out(`    check ${check.name}: ${describeExpect(check)}`);
    for (const check of checks.afterTraffic || []) out(`    after traffic: check ${check.name}: ${describeExpect(check)}`);
  }
}

function findHookKey(state) {
  const configured = state.service.custom && state.service.custom.prehook && state.service.custom.prehook.functionName;
  if (configured) return configured;
  const functions = state.service.functions;
  if (functions.preHook) return 'preHook';
  const found = Object.keys(functions).find((key) => functions[key].handler === 'bootstrap');
  if (!found) throw new Error('no hook function in the packaged service');
  return found;
}

function logicalIdOfFunction(resources, name) {
  return Object.keys(resources).find((id) =>
    resources[id].Type === 'AWS::Lambda::Function' && resources[id].Properties.FunctionName === name);
}

function roleOf(resources, roleRef) {
  const id = roleRef && roleRef['Fn::GetAtt'] && roleRef['Fn::GetAtt'][0];
  if (!id || !resources[id]) return { label: render(roleRef), statements: [] };
  const policies = resources[id].Properties.Policies || [];
  return {
    label: id,
    statements: policies.flatMap((policy) => list(policy.PolicyDocument.Statement)),
  };
}

function aliasesHookedTo(resources, hookId, functionId) {
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::Lambda::Alias')
    .filter((r) => r.Properties.FunctionName && r.Properties.FunctionName.Ref === functionId)
    .map((r) => ({ update: r.UpdatePolicy && r.UpdatePolicy.CodeDeployLambdaAliasUpdate, name: r.Properties.Name, dependsOn: r.DependsOn }))
    .filter((a) => a.update && a.update.BeforeAllowTrafficHook && a.update.BeforeAllowTrafficHook.Ref === hookId)
    .map((a) => ({
      name: a.name,
      group: render(a.update.DeploymentGroupName),
      after: a.update.AfterAllowTrafficHook && a.update.AfterAllowTrafficHook.Ref,
      dependsOn: a.dependsOn,
    }));
}

function lifecycleEvent(properties) {
  const variables = (properties.Environment && properties.Environment.Variables) || {};
  return `PREHOOK_LIFECYCLE_EVENT=${variables.PREHOOK_LIFECYCLE_EVENT || 'unset'}`;
}

function describeExpect(check) {
  const e = check.expect || {};
  const parts = [];
  parts.push(`status ${e.status === undefined ? '200-399' : list(e.status).join(' or ')}`);
  for (const text of e.bodyContains || []) parts.push(`body contains ${JSON.stringify(text)}`);
  if (e.bodyMatches) parts.push(`body matches /${e.bodyMatches}/`);
  for (const text of e.outputContains || []) parts.push(`output contains ${JSON.stringify(text)}`);
  if (e.outputMatches) parts.push(`output matches /${e.outputMatches}/`);
  for (const [name, value] of Object.entries(e.headers || {})) parts.push(`header ${name} ${JSON.stringify(value)}`);
  for (const [pointer, value] of Object.entries(e.json || {})) parts.push(`json ${pointer} = ${JSON.stringify(value)}`);
  if (e.maxDurationMs !== undefined) parts.push(`within ${e.maxDurationMs} ms`);
  return `expects ${parts.join(', ')}`;
}

// CloudFormation intrinsics shown the way a reader of the template would write them.
function render(value) {
  if (typeof value === 'string') return value;
  if (value && value.Ref) return `\${${value.Ref}}`;
  if (value && value['Fn::Sub']) return Array.isArray(value['Fn::Sub']) ? value['Fn::Sub'][0] : value['Fn::Sub'];
  if (value && value['Fn::GetAtt']) return `\${${list(value['Fn::GetAtt']).join('.')}}`;
  if (value && value['Fn::Join']) {
    const [separator, parts] = value['Fn::Join'];
    return parts.map(render).join(separator);
  }
  return JSON.stringify(value);
}

function list(value) {
  return Array.isArray(value) ? value : [value];
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function out(line) {
  process.stdout.write(`${line}\n`);
}

try {
  main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`show-package: ${error.message}\n`);
  process.exit(1);
}
