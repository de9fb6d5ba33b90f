// Types of serverless-prehook: its config (for `serverless.ts` users, in config.d.ts) and its native core.

// The config's types (`custom.prehook`: PrehookCustomConfig, `functions.<name>.prehook`:
// PrehookFunctionConfig, and the types they use) are generated from the core's schema.
export * from './config';

// The native core's surface (crates/prehook-node), as `napi build` generates it in
// lib/binding/index.d.ts from the binding's and the core's own definitions: re-exported, never
// restated here (a hand-kept copy had drifted: it said `buildArtifact` returned `{ ok, zip }`).
import type * as binding from './lib/binding';
import type { Changes, CompiledHook, ConfigError } from './lib/binding';
export type {
  AliasAlarms,
  Artifact,
  Changes,
  CheckConfig,
  CheckReport,
  CheckRun,
  CheckRunOptions,
  CheckStep,
  CheckTarget,
  CompiledHook,
  ConfigError,
  FirstDeployGate,
  IamChanges,
  InvokeArgs,
  InvokeReply,
  PluginFacts,
  PostTrafficHook,
  SecretReference,
  SecretResolution,
  SelectedFunction,
  Selection,
  Skip,
  TransformResult,
} from './lib/binding';

/** What the native core (prehook.<platform>.node, or the wasm fallback) exports. */
export type PrehookAddon = typeof binding;
/** The former names of `Changes`, `CompiledHook` and `ConfigError`. */
export type PrehookChanges = Changes;
export type PrehookCompiledHook = CompiledHook;
export type ConfigProblem = ConfigError;

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
