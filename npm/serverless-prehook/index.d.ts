// Types of serverless-prehook: its config (for `serverless.ts` users, in config.d.ts) and its native core.

// The config's types (`custom.prehook`: PrehookCustomConfig, `functions.<name>.prehook`:
// PrehookFunctionConfig, and the types they use) are generated from the core's schema.
export * from './config';

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
