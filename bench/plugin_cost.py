"""The plugin's own cost: `serverless package` (serverless@3 from e2e/node_modules) of two copies
of examples/website, one as shipped and one without serverless-prehook, timed alternately; the
copy as shipped runs twice per round, once on the native addon and once on the WebAssembly
fallback (NAPI_RS_FORCE_WASI=error: the wasm build or a failure, never native in disguise).

Without our plugin the copy keeps serverless-plugin-canary-deployments and serverless-offline and
gives the function the same `deploymentSettings` directly, as a user without a hook would; only
our plugin and its `prehook` keys differ. Our plugin is installed from the packed tarballs
(scripts/pack-plugin.sh: this platform's package and the root package), as e2e/run.sh does; the
other plugins are the ones e2e installs.

Prints the added seconds (medians) of both against the targets, and writes every sample to --out.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVERLESS = ROOT / "e2e/node_modules/serverless/bin/serverless.js"
OTHER_PLUGINS = ["serverless-plugin-canary-deployments", "serverless-offline"]

PREHOOK_PLUGIN = "  - serverless-prehook\n"
PREHOOK_CUSTOM = """custom:
  prehook:
    deploymentSettings:
      type: Linear10PercentEvery1Minute
      alias: Live
    # While traffic shifts, CodeDeploy rolls back if the function errs or the API answers 5XX.
    alarms: true
"""
PREHOOK_CHECKS = """    prehook:
      checks:
        - GET /healthcheck
        - request: GET /
          expect:
            status: 200
            bodyContains: Welcome to our site
"""
CANARY_SETTINGS = """    deploymentSettings:
      type: Linear10PercentEvery1Minute
      alias: Live
"""


def without_prehook(yml):
    for part in (PREHOOK_PLUGIN, PREHOOK_CUSTOM, PREHOOK_CHECKS):
        if part not in yml:
            raise SystemExit(f"plugin_cost: examples/website/serverless.yml changed; expected:\n{part}")
    yml = yml.replace(PREHOOK_PLUGIN, "").replace(PREHOOK_CUSTOM, "")
    return yml.replace(PREHOOK_CHECKS, CANARY_SETTINGS)


def copy_service(work, label, edit):
    directory = work / label
    shutil.copytree(
        ROOT / "examples/website",
        directory,
        ignore=shutil.ignore_patterns("node_modules", ".serverless"),
    )
    yml = directory / "serverless.yml"
    yml.write_text(edit(yml.read_text()))
    return directory


# The variants timed in each round: (label, service copy, extra environment).
VARIANTS = [
    ("without", "without", {}),
    ("with", "with", {}),
    ("wasm", "with", {"NAPI_RS_FORCE_WASI": "error"}),
]
# What the plugin may add to `serverless package` (issue 12), in seconds.
TARGETS = {"with": 0.3, "wasm": 1.0}


def package(directory, extra_env=None):
    env = dict(os.environ, SLS_TELEMETRY_DISABLED="1", SLS_NOTIFICATIONS_MODE="off",
               SLS_INTERACTIVE_SETUP_DISABLE="1", FORCE_COLOR="0", NO_COLOR="1")
    env.pop("NAPI_RS_FORCE_WASI", None)
    env.update(extra_env or {})
    shutil.rmtree(directory / ".serverless", ignore_errors=True)
    started = time.perf_counter()
    result = subprocess.run(["node", str(SERVERLESS), "package"], cwd=directory, env=env,
                            capture_output=True, text=True, timeout=300)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"plugin_cost: serverless package failed in {directory}:\n{result.stdout}\n{result.stderr}")
    return seconds


def has_hook(directory):
    template = (directory / ".serverless/cloudformation-template-update-stack.json").read_text()
    return "BeforeAllowTraffic" in template


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tarball", action="append", required=True,
                        help="a tarball of scripts/pack-plugin.sh; give each of its lines")
    parser.add_argument("--work", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    (work / "package.json").write_text('{ "private": true }\n')
    subprocess.run(["npm", "install", "--prefix", str(work), "--no-save", "--no-package-lock",
                    "--no-audit", "--no-fund", "--loglevel=error", *args.tarball], check=True)
    # The services find the other plugins next to ours, as in a user's node_modules.
    for name in OTHER_PLUGINS:
        (work / "node_modules" / name).symlink_to(ROOT / "e2e/node_modules" / name)

    services = {
        "with": copy_service(work, "with", lambda yml: yml),
        "without": copy_service(work, "without", without_prehook),
    }
    # One unmeasured run each: the first pays for cold disk caches.
    templates = {}
    for label, service, extra_env in VARIANTS:
        package(services[service], extra_env)
        templates[label] = (services[service] / ".serverless/cloudformation-template-update-stack.json").read_text()
    if not has_hook(services["with"]) or has_hook(services["without"]):
        raise SystemExit("plugin_cost: expected a BeforeAllowTraffic hook with our plugin only")
    if templates["wasm"] != templates["with"]:
        raise SystemExit("plugin_cost: the wasm fallback packaged another template than the native addon")

    seconds = {label: [] for label, _, _ in VARIANTS}
    for _ in range(args.runs):
        for label, service, extra_env in VARIANTS:
            seconds[label].append(package(services[service], extra_env))
    result = {
        label: {"median": statistics.median(s), "min": min(s), "max": max(s), "runs": len(s), "samples": s}
        for label, s in seconds.items()
    }
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    base = result["without"]["median"]
    print(f"serverless package of examples/website, {args.runs} runs each, medians: without serverless-prehook {base:.2f} s")
    for label, name in (("with", "native addon"), ("wasm", "wasm fallback")):
        added = result[label]["median"] - base
        verdict = "met" if added <= TARGETS[label] else "MISSED"
        print(f"  {name}: {result[label]['median']:.2f} s, adds {added:+.2f} s (target +{TARGETS[label]} s: {verdict})")


if __name__ == "__main__":
    main()
