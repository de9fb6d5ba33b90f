'use strict';

// The secrets `serverless prehook check` sends: the SSM parameters and Secrets Manager secrets
// the checks reference, read with the caller's credentials and region (as the Lambda calls,
// also under --local: serverless-offline has no secret store) through the AWS SDK for
// JavaScript v3, which honours AWS_ENDPOINT_URL_SSM and AWS_ENDPOINT_URL_SECRETS_MANAGER. The
// engine sends the values and keeps them out of every report.

const { GetParameterCommand, SSMClient } = require('@aws-sdk/client-ssm');
const { GetSecretValueCommand, SecretsManagerClient } = require('@aws-sdk/client-secrets-manager');

/** The longest wait for one read: a store that never answers must not hang the command. */
const READ_TIMEOUT_MS = 10000;

/**
 * `read(reference)` for the run (`{ name, ssm?, secretsManager?, key? }`): resolves to the
 * value, rejects with the reason. `config` is the SDK client config (credentials, region).
 */
function secretReader(config) {
  let ssm;
  let secretsManager;
  const signal = () => ({ abortSignal: AbortSignal.timeout(READ_TIMEOUT_MS) });
  const read = async (reference) => {
    if (reference.ssm !== undefined && reference.ssm !== null) {
      ssm = ssm || new SSMClient(config);
      const output = await ssm.send(new GetParameterCommand({ Name: reference.ssm, WithDecryption: true }), signal());
      const value = output.Parameter && output.Parameter.Value;
      if (value === undefined || value === null) throw new Error('GetParameter returned no value');
      return value;
    }
    secretsManager = secretsManager || new SecretsManagerClient(config);
    const output = await secretsManager.send(new GetSecretValueCommand({ SecretId: reference.secretsManager }), signal());
    if (output.SecretString === undefined || output.SecretString === null) {
      throw new Error(
        output.SecretBinary
          ? 'the secret holds binary data (SecretBinary); a check sends text: store it as a string'
          : 'GetSecretValue returned no value'
      );
    }
    return secretField(output.SecretString, reference.key);
  };
  read.destroy = () => {
    if (ssm) ssm.destroy();
    if (secretsManager) secretsManager.destroy();
  };
  return read;
}

/** The whole secret string, or the field `key` of its JSON object (as the hook reads it). */
function secretField(secret, key) {
  if (key === undefined || key === null) return secret;
  let parsed;
  try {
    parsed = JSON.parse(secret);
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`the secret is not a JSON object, so it has no key ${JSON.stringify(key)}: remove \`key\` to use the whole string`);
  }
  const value = parsed[key];
  if (value === undefined || value === null) {
    throw new Error(`the secret's JSON has no key ${JSON.stringify(key)} (its keys: ${Object.keys(parsed).sort().join(', ')})`);
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** An SDK error as the hook describes it: `ParameterNotFound`, `AccessDeniedException: User: ...`. */
function describeError(error) {
  if (error && error.name === 'TimeoutError') return `no answer within ${READ_TIMEOUT_MS} ms`;
  const name = (error && error.name) || 'Error';
  const message = error && error.message && error.message !== 'UnknownError' ? error.message : '';
  return name === 'Error' ? message || 'error' : message ? `${name}: ${message}` : name;
}

/** Reads every reference of `run` at once and hands each value, or its reason, to the run. */
async function resolveSecrets(run, read) {
  const references = run.secretReferences();
  await Promise.all(
    references.map(async (reference) => {
      try {
        run.resolveSecret(reference.name, { value: await read(reference) });
      } catch (error) {
        run.resolveSecret(reference.name, { error: describeError(error) });
      }
    })
  );
}

module.exports = { describeError, resolveSecrets, secretField, secretReader };
