'use strict';

// `serverless prehook check` options: which functions, which version, which Lambda API.
// Only reading the command line and the service config; nothing here calls AWS.

/** serverless-offline's default Lambda Invoke API port (serverless-offline@13). */
const OFFLINE_LAMBDA_PORT = 3002;

const commandOptions = {
  function: {
    usage: 'A function to check (serverless.yml key or deployed name); repeat it or separate names with commas. Default: every function with checks',
    shortcut: 'f',
    type: 'multiple',
  },
  qualifier: {
    usage: 'Version number or alias to check. Default: the latest published version ($LATEST with --local or --endpoint)',
    type: 'string',
  },
  local: {
    usage: `Check the functions served by \`serverless offline\` (its Lambda API on http://localhost:${OFFLINE_LAMBDA_PORT})`,
    type: 'boolean',
  },
  'local-port': {
    usage: `Port of serverless-offline's Lambda API with --local. Default: custom.serverless-offline.lambdaPort, else ${OFFLINE_LAMBDA_PORT}`,
    type: 'string',
  },
  endpoint: {
    usage: 'URL of a Lambda Invoke API to check against instead of AWS (serverless-offline elsewhere)',
    type: 'string',
  },
  'after-traffic': {
    usage: 'Run the afterTraffic checks (the ones the hook runs once traffic has moved) instead of the pre-traffic checks',
    type: 'boolean',
  },
  json: {
    usage: 'Print the results as one JSON document',
    type: 'boolean',
  },
};

/** The lifecycle event whose checks to run: `--after-traffic`, else the pre-traffic ones. */
function lifecycleEvent(options) {
  return options['after-traffic'] ? 'AfterAllowTraffic' : 'BeforeAllowTraffic';
}

/** `--function a,b --function c` (or one string) → `['a', 'b', 'c']`. */
function functionNames(option) {
  if (option === undefined || option === null || option === true) return [];
  return []
    .concat(option)
    .flatMap((value) => String(value).split(','))
    .map((name) => name.trim())
    .filter(Boolean);
}

/**
 * Where to send invokes: `{ local: false }` for AWS, or `{ local: true, endpoint }`.
 * Throws an Error with a message for the user on a bad value.
 */
function target(options, custom = {}) {
  if (options.endpoint !== undefined) {
    if (options.local) throw new Error('--endpoint and --local both name where to invoke: give one');
    let url;
    try {
      url = new URL(String(options.endpoint));
    } catch {
      throw new Error(`--endpoint: expected a URL such as http://localhost:3002, got ${JSON.stringify(options.endpoint)}`);
    }
    if (!['http:', 'https:'].includes(url.protocol)) {
      throw new Error(`--endpoint: expected an http:// or https:// URL, got ${JSON.stringify(options.endpoint)}`);
    }
    return { local: true, endpoint: url.toString().replace(/\/$/, '') };
  }
  if (options['local-port'] !== undefined && !options.local) {
    throw new Error('--local-port only applies with --local');
  }
  if (!options.local) return { local: false };
  const offline = (custom && custom['serverless-offline']) || {};
  const [port, from] =
    options['local-port'] !== undefined
      ? [options['local-port'], '--local-port']
      : offline.lambdaPort !== undefined
        ? [offline.lambdaPort, 'custom.serverless-offline.lambdaPort']
        : [OFFLINE_LAMBDA_PORT, null];
  const number = Number(port);
  if (!Number.isInteger(number) || number < 1 || number > 65535) {
    throw new Error(`${from}: expected a port number from 1 to 65535, got ${JSON.stringify(port)}`);
  }
  return { local: true, endpoint: `http://localhost:${number}` };
}

module.exports = { commandOptions, functionNames, lifecycleEvent, target, OFFLINE_LAMBDA_PORT };
