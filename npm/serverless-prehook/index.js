'use strict';

// serverless-prehook: checks each new Lambda version before CodeDeploy shifts traffic to it.
//
// This class only wires the framework to the Rust core (lib/addon.js): it hands over the
// resolved service config, then applies the changes the core computed (lib/apply.js).
// The service is changed in `before:package:setupProviderConfiguration`: after
// `package:cleanup` (which empties .serverless/, where the hook's zip goes) and before the
// framework merges IAM statements and builds log groups, and so long before
// serverless-plugin-canary-deployments reads `deploymentSettings`
// (`after:aws:package:finalize:mergeCustomProviderResources`), in whichever order the two
// plugins are listed. What exists only once compiled (the hook's resources, the alias's
// alarms and first-deploy gate, the canary plugin's grant) is finished in
// `before:aws:package:finalize:saveServiceState`.

const path = require('path');

const addon = require('./lib/addon');
const {
  applyToService,
  completeFirstDeployGates,
  finishAliasAlarms,
  isolateCompiledHook,
  removeCanaryGrant,
  writeArtifact,
} = require('./lib/apply');
const { commandOptions } = require('./lib/check/options');
const schema = require('./lib/schema');
const { version } = require('./package.json');

const CANARY_PLUGIN = 'serverless-plugin-canary-deployments';
const CANARY_CLASS = 'ServerlessCanaryDeployments';
/** The environment variable that skips the checks of a package, with the reason as its value. */
const SKIP_SETTING = 'PREHOOK_SKIP';

class ServerlessPrehook {
  constructor(serverless, options = {}, { log, writeText } = {}) {
    this.serverless = serverless;
    this.options = options;
    this.log = log || consoleLog(serverless);
    this.writeText = writeText || ((text) => process.stdout.write(`${text}\n`));
    this.provider = serverless.getProvider('aws');

    const schemaHandler = serverless.configSchemaHandler;
    if (schemaHandler) {
      schemaHandler.defineCustomProperties(schema.custom);
      schemaHandler.defineFunctionProperties('aws', schema.functionProperties);
    }

    this.commands = {
      prehook: {
        usage: 'serverless-prehook',
        commands: {
          check: {
            usage:
              'Runs the checks of serverless-prehook now, as the hook would: against a deployed version, or serverless offline with --local',
            lifecycleEvents: ['run'],
            options: commandOptions,
          },
        },
      },
    };

    this.hooks = {
      'prehook:check:run': () => this.check(),
      'before:package:setupProviderConfiguration': () => this.inject(),
      // After every plugin's mergeCustomProviderResources (the canary plugin's included),
      // before the template is written. `deploy --package` skips packaging, and so these.
      'before:aws:package:finalize:saveServiceState': () => {
        this.isolateHook();
        this.removeCanaryGrant();
        this.finishAliasAlarms();
        this.gateFirstDeploy();
      },
    };
  }

  /** Validates the config, then adds the hook function, its IAM and deploymentSettings. */
  inject() {
    this.requireCanaryPlugin();
    const core = this.core();
    const result = core.transform(this.serviceConfig(), this.facts());
    if (!result.ok) throw this.configError(result.errors);

    if (result.skipped !== undefined) {
      this.log.notice(`prehook: ${result.skipped}`);
      return;
    }
    const { changes } = result;
    try {
      writeArtifact(core, changes, path.join(__dirname, 'hook'));
    } catch (error) {
      throw new this.serverless.classes.Error(error.message, 'PREHOOK_ARTIFACT');
    }
    applyToService(this.serverless.service, changes);
    this.canaryGrant = changes.iam.canaryGrantToRemove;
    this.compiledHooks = [changes.compiledHook].concat(
      changes.postTrafficHook ? [changes.postTrafficHook.compiledHook] : []
    );
    this.aliasAlarms = changes.aliasAlarms;
    this.firstDeploy = changes.firstDeploy || [];
    for (const line of changes.summary) this.log.notice(`prehook: ${line}`);
    for (const line of changes.warnings || []) this.log.warning(`prehook: ${line}`);
  }

  /** `serverless prehook check`: the service's checks, run now by the hook's engine. */
  async check() {
    const core = this.core();
    const result = core.transform(this.serviceConfig(), this.facts());
    if (!result.ok) throw this.configError(result.errors);
    if (result.skipped !== undefined) {
      throw new this.serverless.classes.Error(`prehook check: nothing to check: ${result.skipped}`, 'PREHOOK_CHECK');
    }
    // Loaded here, not with the plugin: the AWS SDK clients it needs take tens of milliseconds
    // to load, which every `serverless package` would otherwise pay for a command it does not run.
    const { CheckError, runCheck } = require('./lib/check');
    try {
      const reports = await runCheck({
        core,
        hookConfigJson: result.changes.prehookJson,
        options: this.options,
        custom: this.serverless.service.custom,
        provider: this.provider,
        write: (line) => this.writeText(line),
      });
      // --json: the failure is in the document; a framework error would follow it on stdout.
      if (reports.some((r) => !r.passed)) process.exitCode = 1;
    } catch (error) {
      if (error instanceof CheckError) throw new this.serverless.classes.Error(error.message, 'PREHOOK_CHECK_FAILED');
      throw error;
    }
  }

  /** The native core, checked to be the one this package was built with. */
  core() {
    let core;
    try {
      core = addon.load();
    } catch (error) {
      throw new this.serverless.classes.Error(error.message, 'PREHOOK_ADDON');
    }
    if (core.coreVersion() !== version) {
      throw new this.serverless.classes.Error(
        `serverless-prehook ${version} found a native core of version ${core.coreVersion()}: reinstall serverless-prehook`,
        'PREHOOK_ADDON'
      );
    }
    return core;
  }

  /**
   * The framework gives every function the provider's environment, layers, VPC, ... with no
   * per-function way out for some: the hook takes none of them (README: "What the hook takes
   * from your service").
   */
  isolateHook() {
    if (!this.compiledHooks) return;
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    let removed = [];
    try {
      for (const compiledHook of this.compiledHooks) removed = isolateCompiledHook(template, compiledHook);
    } catch (error) {
      throw new this.serverless.classes.Error(error.message, 'PREHOOK_HOOK_MISSING');
    }
    // The same provider settings reach every hook function: the last one's list says it.
    if (removed.length > 0) {
      const functions = this.compiledHooks.length > 1 ? 'functions do' : 'function does';
      this.log.info(`prehook: the hook ${functions} not take the service's ${removed.join(', ')}`);
    }
  }

  /** With a dedicated hook role, the shared role needs no CodeDeploy right the canary plugin gives it. */
  removeCanaryGrant() {
    if (!this.canaryGrant) return;
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    if (removeCanaryGrant(template, this.provider.naming.getRoleLogicalId(), this.canaryGrant)) {
      this.log.info('prehook: removed PutLifecycleEventHookExecutionStatus from the shared role: the hook has its own');
    }
  }

  /** Rollback alarms watch the version this deploy creates, and are updated before the alias. */
  finishAliasAlarms() {
    if (!this.aliasAlarms) return;
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    try {
      finishAliasAlarms(template, this.aliasAlarms);
    } catch (error) {
      throw new this.serverless.classes.Error(error.message, 'PREHOOK_ALIAS_MISSING');
    }
  }

  /**
   * A new alias gets no CodeDeploy hook: the hook checks its version as a custom resource the
   * alias depends on (README: "The first deploy is checked too").
   */
  gateFirstDeploy() {
    if (!this.firstDeploy || this.firstDeploy.length === 0) return;
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    let added;
    try {
      added = completeFirstDeployGates(template, this.firstDeploy);
    } catch (error) {
      throw new this.serverless.classes.Error(error.message, 'PREHOOK_ALIAS_MISSING');
    }
    this.log.info(`prehook: a new alias waits for its version's checks (${added.join(', ')})`);
  }

  requireCanaryPlugin() {
    const loaded = this.serverless.pluginManager
      .getPlugins()
      .some((plugin) => plugin && plugin.constructor && plugin.constructor.name === CANARY_CLASS);
    if (loaded) return;
    throw new this.serverless.classes.Error(
      `serverless-prehook runs as the pre-traffic hook of the CodeDeploy deployments that ${CANARY_PLUGIN} creates, ` +
        `but that plugin is not loaded. Install it (npm install --save-dev ${CANARY_PLUGIN}) ` +
        `and list it under \`plugins\` in your serverless config, next to serverless-prehook.`,
      'PREHOOK_CANARY_PLUGIN_MISSING'
    );
  }

  /** The resolved service config as plain JSON: only what the transform reads. */
  serviceConfig() {
    const service = this.serverless.service;
    const provider = { ...service.provider };
    // Compiled templates are large and not config.
    delete provider.compiledCloudFormationTemplate;
    delete provider.coreCloudFormationTemplate;
    return JSON.parse(
      JSON.stringify({
        service: service.service,
        provider,
        functions: service.functions || {},
        custom: service.custom || {},
        resources: service.resources || {},
      })
    );
  }

  facts() {
    const serviceDir = this.serverless.serviceDir || this.serverless.config.servicePath;
    const packageDir =
      this.options.package || (this.serverless.service.package || {}).path || '.serverless';
    const facts = {
      version,
      artifactDir: path.resolve(serviceDir, packageDir),
      stage: this.provider.getStage(),
      stackName: this.provider.naming.getStackName(),
    };
    // An expedited deploy skips the checks only when asked in so many words; empty means unset.
    const skipReason = (process.env[SKIP_SETTING] || '').trim();
    if (skipReason) facts.skip = { reason: skipReason, setting: SKIP_SETTING };
    return facts;
  }

  configError(errors) {
    const lines = errors.map(({ path: at, message }) => `  ${at}: ${message}`);
    const count = errors.length === 1 ? 'a problem' : `${errors.length} problems`;
    return new this.serverless.classes.Error(
      `serverless-prehook found ${count} in the service config:\n${lines.join('\n')}`,
      'PREHOOK_INVALID_CONFIG'
    );
  }
}

/** Frameworks before v3 pass no `log`: fall back to the CLI logger. */
function consoleLog(serverless) {
  const say = (message) => serverless.cli.log(message);
  return { notice: say, info: say, warning: say, error: say };
}

module.exports = ServerlessPrehook;
