'use strict';

// The framework's JSON Schema for our keys, so that typos are reported by the framework itself.
// The core validates everything a schema cannot (regexes, status ranges, function names) and
// reports it with the same YAML paths. `deploymentSettings` is not ours: the canary plugin
// defines it, and v3 throws SCHEMA_COLLISION when two plugins define the same key.

const stringOrList = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };
const statusCode = { anyOf: [{ type: 'integer' }, { type: 'string' }] };

// A header or query value kept in SSM or Secrets Manager, read by the hook when it runs.
const secretReference = {
  anyOf: [
    {
      type: 'object',
      properties: { ssm: { type: 'string', minLength: 1 } },
      required: ['ssm'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { secretsManager: { type: 'string', minLength: 1 }, key: { type: 'string', minLength: 1 } },
      required: ['secretsManager'],
      additionalProperties: false,
    },
  ],
};
const requestValues = {
  type: 'object',
  additionalProperties: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, secretReference] },
};

const request = {
  anyOf: [
    { type: 'string' },
    {
      type: 'object',
      properties: {
        method: { type: 'string' },
        path: { type: 'string' },
        route: { type: 'string' },
        headers: requestValues,
        query: requestValues,
        body: {},
      },
      required: ['path'],
      additionalProperties: false,
    },
  ],
};

const expect = {
  type: 'object',
  properties: {
    status: { anyOf: [statusCode, { type: 'array', items: statusCode, minItems: 1 }] },
    bodyContains: stringOrList,
    bodyMatches: { type: 'string' },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    json: { type: 'object' },
    maxDurationMs: { type: 'integer', minimum: 1 },
    outputContains: stringOrList,
    outputMatches: { type: 'string' },
  },
  additionalProperties: false,
};

const check = {
  anyOf: [
    { type: 'string' },
    {
      type: 'object',
      properties: { name: { type: 'string' }, request, payload: {}, expect },
      additionalProperties: false,
    },
  ],
};

// Rollback alarms: `true`, `false`, or per metric `true`, `false` or its thresholds.
const alarmMetric = {
  anyOf: [
    { type: 'boolean' },
    {
      type: 'object',
      properties: {
        threshold: { type: 'number', minimum: 0 },
        period: { type: 'integer', minimum: 60, maximum: 86400, multipleOf: 60 },
        evaluationPeriods: { type: 'integer', minimum: 1, maximum: 1440 },
        datapointsToAlarm: { type: 'integer', minimum: 1, maximum: 1440 },
        statistic: { enum: ['Sum', 'Average', 'Maximum', 'Minimum', 'SampleCount'] },
        treatMissingData: { enum: ['notBreaching', 'breaching', 'ignore', 'missing'] },
      },
      additionalProperties: false,
    },
  ],
};
const alarms = {
  anyOf: [
    { type: 'boolean' },
    {
      type: 'object',
      properties: { functionErrors: alarmMetric, apiErrors: alarmMetric },
      additionalProperties: false,
    },
  ],
};

const functionPrehook = {
  anyOf: [
    { type: 'boolean' },
    {
      type: 'object',
      properties: {
        checks: { type: 'array', items: check, minItems: 1 },
        afterTraffic: { type: 'array', items: check, minItems: 1 },
        event: { enum: ['apigateway', 'apigateway-lambda', 'httpapi', 'alb', 'raw'] },
        retries: { type: 'integer', minimum: 0, maximum: 10 },
        timeout: { type: 'integer', minimum: 1, maximum: 899 },
        alarms,
      },
      additionalProperties: false,
    },
  ],
};

// An id, or an intrinsic function (Ref, Fn::ImportValue, ...) that resolves to one.
const vpcIds = { type: 'array', minItems: 1, items: { anyOf: [{ type: 'string' }, { type: 'object' }] } };

const customPrehook = {
  type: 'object',
  properties: {
    deploymentSettings: {
      type: 'object',
      properties: {
        type: { type: 'string' },
        alias: { type: 'string' },
        alarms: { type: 'array' },
        postTrafficHook: { type: 'string' },
        triggerConfigurations: { type: 'array' },
        codeDeployRole: { type: 'string' },
      },
      additionalProperties: false,
    },
    functionName: { type: 'string', pattern: '^[A-Za-z0-9_-]+$' },
    postTrafficFunctionName: { type: 'string', pattern: '^[A-Za-z0-9_-]+$' },
    architecture: { enum: ['x86_64', 'arm64'] },
    // provided.al2 stays here so that the core's refusal (what to use instead, what happens to
    // an existing stack) is the message users see, not the schema's.
    runtime: { enum: ['provided.al2023', 'provided.al2'] },
    timeout: { type: 'integer', minimum: 10, maximum: 900 },
    memorySize: { type: 'integer', minimum: 128, maximum: 10240 },
    iam: { enum: ['dedicated', 'shared'] },
    alarms,
    vpc: {
      type: 'object',
      properties: { securityGroupIds: vpcIds, subnetIds: vpcIds },
      required: ['securityGroupIds', 'subnetIds'],
      additionalProperties: false,
    },
    firstDeploy: { type: 'boolean' },
  },
  additionalProperties: false,
};

module.exports = {
  custom: { type: 'object', properties: { prehook: customPrehook } },
  functionProperties: { properties: { prehook: functionPrehook } },
};
