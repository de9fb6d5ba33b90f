// Types of serverless-prehook: its config (for `serverless.ts` users) and its native core.

/**
 * How a new version is invoked: the shape of the event it receives. `apigateway-lambda` is a REST
 * API's Lambda (non-proxy) integration (`integration: lambda`): the framework's mapped request in,
 * the function's return value as the body of a 200 out.
 */
export type PrehookEvent = 'apigateway' | 'apigateway-lambda' | 'httpapi' | 'alb' | 'raw';

/** `200`, `"200-299"`, `"2xx"`. */
export type StatusCode = number | string;

/** What the answer must satisfy. HTTP checks use status/body/headers, raw checks output*. */
export interface PrehookExpect {
  /** Accepted status codes. @default "200-399" */
  status?: StatusCode | StatusCode[];
  bodyContains?: string | string[];
  /** A regular expression the body must match. */
  bodyMatches?: string;
  /** Expected header values: exact text, or a regular expression between slashes (`/^text\/html/`). */
  headers?: Record<string, string>;
  /** JSON Pointer (`/data/status`) → expected value, in the body (HTTP) or the output (raw). */
  json?: Record<string, unknown>;
  /** The answer must come within this many milliseconds. */
  maxDurationMs?: number;
  outputContains?: string | string[];
  outputMatches?: string;
}

/**
 * A value kept in SSM Parameter Store (String or SecureString, decrypted) or Secrets Manager (the
 * secret's string, or the field `key` of its JSON), read by the hook when it runs and by
 * `serverless prehook check` with your credentials. `prehook.json` holds only the reference; the
 * hook's role may read exactly the referenced parameters and secrets.
 */
export type PrehookSecretReference =
  | { /** Parameter name (`/prod/api-key`, optionally `:version` or `:label`) or ARN. */ ssm: string }
  | {
      /** Secret name (`prod/api`) or complete ARN. */
      secretsManager: string;
      /** A field of the secret's JSON; the whole string without it. */
      key?: string;
    };

export type PrehookRequestValue = string | number | boolean | PrehookSecretReference;

export interface PrehookHttpRequest {
  /** @default "GET" */
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS' | string;
  /** Starts with `/`; may carry a query string. */
  path: string;
  /**
   * The declared route the path goes to (`/users/{id}`): its path parameters go into the event.
   * @default the most specific route of the function's events that matches the path
   */
  route?: string;
  /** Values as text, or a secret reference read when the checks run (never written to the package). */
  headers?: Record<string, PrehookRequestValue>;
  /** Query parameters sent after the path's own query string; values as for `headers`. */
  query?: Record<string, PrehookRequestValue>;
  /** Text as written; any other value is sent as JSON. */
  body?: unknown;
}

/** `"GET /healthcheck"` (expects 200-399), or a full check. */
export type PrehookCheck =
  | string
  | {
      name?: string;
      /** HTTP functions: `"GET /"` or a request mapping. */
      request?: string | PrehookHttpRequest;
      /** Raw functions: the payload to invoke with. @default {} */
      payload?: unknown;
      expect?: PrehookExpect;
    };

/** Thresholds of one rollback alarm (every key optional). */
export interface PrehookAlarmMetric {
  /** The alarm fires at or above this value. @default 1 */
  threshold?: number;
  /** Seconds, a multiple of 60. @default 60 */
  period?: number;
  /** @default 1 */
  evaluationPeriods?: number;
  /** @default evaluationPeriods */
  datapointsToAlarm?: number;
  /** @default "Sum" */
  statistic?: 'Sum' | 'Average' | 'Maximum' | 'Minimum' | 'SampleCount';
  /** @default "notBreaching" */
  treatMissingData?: 'notBreaching' | 'breaching' | 'ignore' | 'missing';
}

/**
 * Rollback alarms CodeDeploy watches while it shifts traffic: `true` for the defaults, or per
 * metric `true`, `false` or thresholds.
 */
export type PrehookAlarms =
  | boolean
  | {
      /** The `Errors` of the version the deploy creates (`ExecutedVersion`), through its alias. @default true */
      functionErrors?: boolean | PrehookAlarmMetric;
      /**
       * Every 5XX alarm: the REST API's `5XXError` (`http` events) and the HTTP API's `5xx`
       * (`httpApi` events), one per API shared by its functions (which must agree on these
       * settings); the function URL's `Url5xxCount`; each ALB target group's
       * `HTTPCode_Target_5XX_Count`. @default true
       */
      apiErrors?: boolean | PrehookAlarmMetric;
    };

/** `functions.<name>.prehook`: `true` for the default check of the function's trigger. */
export type PrehookFunctionConfig =
  | boolean
  | {
      /**
       * Run before traffic shifts. @default one check derived from the function's triggers: a
       * request to a route it declares, passing unless 5xx, function error or invalid response
       * (HTTP functions); the trigger's own event or a schedule's input, passing unless function
       * error (others)
       */
      checks?: PrehookCheck[];
      /**
       * Run once all traffic has shifted (CodeDeploy's AfterAllowTraffic): the hook becomes the
       * function's `postTrafficHook` too. Same event, retries and timeout as `checks`.
       */
      afterTraffic?: PrehookCheck[];
      /** @default derived from the function's events (http → apigateway, or apigateway-lambda with `integration: lambda`; httpApi → httpapi, alb → alb, else raw) */
      event?: PrehookEvent;
      /** Attempts after a failed one. @default 2 */
      retries?: number;
      /** Seconds one attempt may take: less than the hook's `custom.prehook.timeout`. @default 10 */
      timeout?: number;
      /** This function's rollback alarms, key by key over `custom.prehook.alarms`. */
      alarms?: PrehookAlarms;
    };

/** `custom.prehook`: every key is optional. */
export interface PrehookCustomConfig {
  /** Defaults for every checked function's `deploymentSettings` (the function's own win). */
  deploymentSettings?: {
    /** @default "AllAtOnce" */
    type?: string;
    /** @default "Live" */
    alias?: string;
    alarms?: unknown[];
    postTrafficHook?: string;
    triggerConfigurations?: unknown[];
    codeDeployRole?: string;
  };
  /** Key of the injected hook function. @default "preHook" */
  functionName?: string;
  /**
   * Key of the post-traffic hook function, injected (same artifact and role) only when a function
   * has `afterTraffic`. @default functionName + "Post" ("preHookPost")
   */
  postTrafficFunctionName?: string;
  /** @default "x86_64" */
  architecture?: 'x86_64' | 'arm64';
  /** The only runtime Lambda accepts for the hook; `provided.al2` is refused (blocked by Lambda since 2026-08-31). @default "provided.al2023" */
  runtime?: 'provided.al2023';
  /** Seconds the hook may run. @default 300 */
  timeout?: number;
  /** @default 128 */
  memorySize?: number;
  /** `dedicated`: a role of the hook's own; `shared`: the framework's execution role. @default "dedicated" */
  iam?: 'dedicated' | 'shared';
  /** Rollback alarms for every checked function. @default false */
  alarms?: PrehookAlarms;
  /**
   * Runs the hook in this VPC (it never takes `provider.vpc`); its role then gets the EC2
   * network-interface rights. It must reach CodeDeploy, Lambda and CloudWatch Logs from there.
   */
  vpc?: {
    /** Ids, or intrinsic functions (`Ref`, `Fn::ImportValue`) that resolve to them. */
    securityGroupIds: Array<string | Record<string, unknown>>;
    subnetIds: Array<string | Record<string, unknown>>;
  };
  /**
   * Checks the new version during the CloudFormation deploy when a checked function's alias
   * does not exist yet (the stack's first deploy, or the first with `prehook`), where CodeDeploy
   * runs no hook: a failure fails the deploy. `false` lets that version go live unchecked.
   * @default true
   */
  firstDeploy?: boolean;
}

/** One problem in the config, with its YAML path. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/** What the native core (prehook.<platform>.node) exports. */
export interface PrehookAddon {
  /**
   * Validates the resolved service config and computes the changes to apply.
   * Errors come back as data, never thrown.
   */
  transform(
    service: Record<string, unknown>,
    facts: {
      version: string;
      artifactDir?: string;
      stage?: string;
      stackName?: string;
      /** Skip the checks of this package (the plugin sets it from `PREHOOK_SKIP`). */
      skip?: { reason: string; setting: string };
    }
  ):
    | { ok: true; outcome: { action: 'skip'; reason: string } | ({ action: 'apply' } & PrehookChanges) }
    | { ok: false; errors: ConfigProblem[] };
  /** The hook's zip: `bootstrap` of the shipped zip plus `prehook.json`. */
  buildArtifact(shipped: Buffer, prehookJson: string): { ok: boolean; zip?: Buffer; error?: string };
  /** Version of the core the addon was built from. */
  coreVersion(): string;
  /** `prehook.json`, parsed once for a run of `prehook check`. */
  CheckConfig: CheckConfigConstructor;
  /** The highest numeric version among ListVersionsByFunction's `Version` values; null when none. */
  latestPublishedVersion(versions: string[]): string | null;
  /**
   * A run of checks as the hook runs them (same events, attempts, timeouts, verdicts), driven
   * by the caller: lib/check/run.js performs the invokes and keeps the time.
   */
  CheckRun: CheckRunConstructor;
}

export interface CheckConfigConstructor {
  /** Parses `prehook.json`; throws on an invalid one (every problem with its path). */
  new (hookConfigJson: string): CheckConfig;
}

export interface CheckConfig {
  /**
   * The functions with checks for `lifecycleEvent` (default `BeforeAllowTraffic`: `checks`;
   * `AfterAllowTraffic`: `afterTraffic`) that `names` name (keys or deployed names); all of
   * them when empty.
   */
  selectFunctions(
    names: string[],
    lifecycleEvent?: LifecycleEvent
  ): { ok: boolean; functions: { function: string; key: string }[]; error?: string };
}

export interface CheckRunConstructor {
  /**
   * The checks of `targets` in `config` for `options.lifecycleEvent`, in target order then
   * config order. Throws on an unknown lifecycle event, or a target without checks
   * (`no checks configured for function NAME`).
   */
  new (config: CheckConfig, targets: CheckTarget[], options: CheckRunOptions): CheckRun;
}

/**
 * A synchronous state machine: nothing in it waits, calls back or reads a clock. Times are
 * milliseconds since the run's start on the caller's clock (`performance.now() - started`).
 */
export interface CheckRun {
  /**
   * What to do at `nowMs`: start `invokes` now, then call `next` again when an answer came or
   * at `wakeAtMs`, whichever comes first; nothing more once `done`. Attempts whose timeout
   * has passed at `nowMs` count as failed (`no answer within N ms`).
   */
  next(nowMs: number): CheckStep;
  /** Attempt `id` answered at `nowMs`. False when it is no longer awaited (timed out, or the run is over). */
  complete(id: number, nowMs: number, reply: InvokeReply): boolean;
  /** The invoke of attempt `id` failed at `nowMs`; `reason` (`AccessDeniedException: ...`) follows `invoke failed: `. */
  fail(id: number, nowMs: number, reason: string): boolean;
  /** Each check's outcome, in plan order (once `next` said done). */
  reports(): CheckReport[];
  /**
   * The secret references of the planned checks, each once: resolve each (SSM GetParameter with
   * decryption, Secrets Manager GetSecretValue) and hand it over with `resolveSecret` before the
   * first `next`. A check whose reference has no value fails unsent, naming it.
   */
  secretReferences(): SecretReference[];
  /**
   * The value of the reference `name`, or the `error` that kept it from being read. Values never
   * appear in what the run reports (`[redacted <name>]`). False for a name the run does not use.
   */
  resolveSecret(name: string, resolution: SecretResolution): boolean;
}

/** A reference to read: `name` is `ssm:/prod/token` or `secretsManager:prod/api#key`. */
export interface SecretReference {
  name: string;
  ssm?: string;
  secretsManager?: string;
  key?: string;
}

export interface SecretResolution {
  value?: string;
  error?: string;
}

export interface CheckTarget {
  /** The deployed name. */
  function: string;
  /** A version number, an alias, or `$LATEST` (serverless-offline). */
  qualifier: string;
}

export interface CheckRunOptions {
  /** @default "BeforeAllowTraffic" */
  lifecycleEvent?: LifecycleEvent;
  /** Names the run in each event's request id (`prehook-<runId>-<check>-<attempt>`). */
  runId: string;
  /** `Date.now()` at the run's start: the events' request time is this plus `nowMs`. */
  epochMs: number;
  /** No attempt starts from then on; the run ends with what is still under way. @default 900000 */
  cutoffMs?: number;
}

export interface CheckStep {
  invokes: InvokeArgs[];
  /** Absent once done. */
  wakeAtMs?: number;
  done: boolean;
}

/** Which list of checks: `checks` before traffic moves, `afterTraffic` once it has. */
export type LifecycleEvent = 'BeforeAllowTraffic' | 'AfterAllowTraffic';

/** One Invoke a `CheckRun` asks for. */
export interface InvokeArgs {
  /** Names the attempt in `complete` / `fail`. */
  id: number;
  function: string;
  qualifier: string;
  /** The event, as JSON text. */
  payload: string;
  /** Base64 JSON ClientContext (raw checks). */
  clientContext?: string;
  /** The run stops waiting after this many milliseconds; the caller may abort its call then. */
  timeoutMs: number;
}

export interface InvokeReply {
  /** Lambda's `FunctionError` (`Unhandled`), if any. */
  functionError?: string | null;
  /** The response payload as UTF-8 text. */
  payload: string;
}

/** The outcome of one check (`serverless prehook check --json` prints these). */
export interface CheckReport {
  function: string;
  key: string;
  qualifier: string;
  check: string;
  passed: boolean;
  /** HTTP status of the last attempt, for HTTP checks that got an answer. */
  status?: number;
  durationMs: number;
  attempts: number;
  reason?: string;
}

export interface PrehookCompiledHook {
  logicalId: string;
  removeProperties: string[];
  setProperties?: Record<string, unknown>;
  removeDependsOn: string[];
}

export interface PrehookChanges {
  hookFunctionKey: string;
  hookFunction: Record<string, unknown>;
  /**
   * What the plugin changes in the hook's compiled `AWS::Lambda::Function` before the template is
   * written: the service's environment, layers, ... out; `PREHOOK_LIFECYCLE_EVENT` (and its VPC) in.
   */
  compiledHook: PrehookCompiledHook;
  /** The post-traffic hook function (same artifact and role); present only when a function has `afterTraffic`. */
  postTrafficHook?: {
    functionKey: string;
    function: Record<string, unknown>;
    compiledHook: PrehookCompiledHook;
  };
  artifact: { architecture: string; shippedFileName: string; fileName: string; path: string };
  /** The hook's checks config, written as prehook.json into its zip. */
  prehookJson: string;
  hookConfig: { functions: Record<string, unknown>; skip?: { reason: string; setting: string } };
  deploymentSettings: Record<string, Record<string, unknown>>;
  /** Checked functions given `versionFunction: true` (`provider.versionFunctions` is false); absent when none. */
  versionedFunctions?: string[];
  iam: {
    mode: 'dedicated' | 'shared';
    statementsTarget: string[] | null;
    statements: unknown[];
    role: string | null;
    resources: Record<string, unknown>;
    /** The canary plugin's grant to the shared role, removed when the hook has its own role. */
    canaryGrantToRemove: Record<string, unknown> | null;
  };
  /** Rollback alarms (`AWS::CloudWatch::Alarm`) for `resources.Resources`, by logical id; absent when none. */
  alarms?: Record<string, unknown>;
  /**
   * Per alias, what the plugin finishes once the canary plugin wrote it: `ExecutedVersion` = the
   * alias's `FunctionVersion` on `executedVersion`, and the alias's `DependsOn` on `dependsOn`;
   * absent when no function has alarms.
   */
  aliasAlarms?: { aliasLogicalId: string; executedVersion: string[]; dependsOn: string[] }[];
  /**
   * The first-deploy gate (`Custom::PrehookFirstDeploy`) of each checked function, completed in
   * the compiled template: `Properties.Version` from the alias's `FunctionVersion`, and the
   * alias made to depend on it. Absent with `firstDeploy: false`.
   */
  firstDeploy?: Array<{
    function: string;
    logicalId: string;
    aliasLogicalId: string;
    resource: Record<string, unknown>;
  }>;
  summary: string[];
  /** Shown as warnings at package time (checks skipped on purpose). */
  warnings?: string[];
}

declare class ServerlessPrehook {
  constructor(
    serverless: unknown,
    options?: Record<string, unknown>,
    utils?: { log?: unknown; progress?: unknown; writeText?: (text: string) => void }
  );
  hooks: Record<string, () => unknown>;
  /** `serverless prehook check`. */
  commands: Record<string, unknown>;
}

export default ServerlessPrehook;
