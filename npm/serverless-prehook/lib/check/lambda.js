'use strict';

// The Lambda calls of `serverless prehook check`, through the AWS SDK for JavaScript v3,
// with the credentials and region the framework resolved (--aws-profile, provider.profile,
// --region, provider.region, the environment). The Rust engine decides what to invoke, how
// often and how long to wait; this only performs the calls.

const {
  InvokeCommand,
  LambdaClient,
  paginateListVersionsByFunction,
} = require('@aws-sdk/client-lambda');

/** Time given to an invoke beyond the engine's own timeout before the request is aborted. */
const ABORT_MARGIN_MS = 1000;

/**
 * The client config: osls hands out an SDK v3 config; serverless@3 gives SDK v2 credentials
 * (or none: then the SDK's default chain applies, as in the framework).
 */
async function clientConfig(provider, where) {
  const region = provider.getRegion();
  let credentials;
  if (where.local) {
    // serverless-offline checks no signature; real credentials are not needed to try checks.
    credentials = { accessKeyId: 'prehook-local', secretAccessKey: 'prehook-local' };
  } else if (typeof provider.getAwsSdkV3Config === 'function') {
    ({ credentials } = await provider.getAwsSdkV3Config());
  } else if (typeof provider.getCredentials === 'function') {
    credentials = fromSdkV2(provider.getCredentials().credentials);
  }
  const config = { region };
  if (credentials) config.credentials = credentials;
  if (where.local) config.endpoint = where.endpoint;
  return config;
}

/** An SDK v3 credential provider reading SDK v2 credentials (refreshed as v2 would). */
function fromSdkV2(credentials) {
  if (!credentials) return undefined;
  return async () => {
    if (typeof credentials.getPromise === 'function') await credentials.getPromise();
    return {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
      ...(credentials.expireTime ? { expiration: new Date(credentials.expireTime) } : {}),
    };
  };
}

/** Performs the run's invokes: resolves to `{ functionError, payload }`, rejects on a failed call. */
function invoker(client) {
  return async ({ function: functionName, qualifier, payload, clientContext, timeoutMs }) => {
    const output = await client.send(
      new InvokeCommand({
        FunctionName: functionName,
        Qualifier: qualifier,
        Payload: Buffer.from(payload, 'utf8'),
        ClientContext: clientContext || undefined,
      }),
      // The engine stops waiting at timeoutMs; this ends the request soon after.
      { abortSignal: AbortSignal.timeout(timeoutMs + ABORT_MARGIN_MS) }
    );
    return {
      functionError: output.FunctionError || undefined,
      payload: output.Payload ? Buffer.from(output.Payload).toString('utf8') : '',
    };
  };
}

/** Every `Version` of the function (ListVersionsByFunction, all pages). */
async function listVersions(client, functionName) {
  const versions = [];
  for await (const page of paginateListVersionsByFunction({ client }, { FunctionName: functionName })) {
    for (const version of page.Versions || []) versions.push(version.Version);
  }
  return versions;
}

async function createClient(provider, where) {
  return new LambdaClient(await clientConfig(provider, where));
}

module.exports = { clientConfig, createClient, fromSdkV2, invoker, listVersions };
