"""Turns the benchmark's JSON (driver, sizes, plugin cost) into the table it prints and
bench/RESULTS.md, with the machine, the date, the command, the versions and the targets."""

import argparse
import datetime
import json
import os
import platform
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
NAMES = {"ours": "ours (Rust)", "python": "Python boto3", "node": "Node.js SDK v3"}
PEERS = ["python", "node"]
MB = 1024 * 1024


def load(path):
    return json.loads(Path(path).read_text())


def output(*command):
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def package_version(path):
    try:
        return json.loads((ROOT / path / "package.json").read_text())["version"]
    except OSError:
        return "unknown"


def pip_version(name):
    for line in output(str(BENCH / ".venv/bin/pip"), "freeze").splitlines():
        if line.lower().startswith(name.lower() + "=="):
            return line.split("==", 1)[1]
    return "unknown"


def machine():
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    os_name = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = f"{line.split('=', 1)[1].strip(chr(34))}, Linux {platform.release()}"
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "os": os_name,
    }


def versions():
    workspace = output("python3", "-c", "import tomllib; print(tomllib.load(open('Cargo.toml', 'rb'))['workspace']['package']['version'])")
    return [
        ("serverless-prehook (hook, plugin)", workspace),
        ("rustc", output("rustc", "--version").removeprefix("rustc ")),
        ("Python", output(str(BENCH / ".venv/bin/python"), "--version").removeprefix("Python ")),
        ("boto3", pip_version("boto3")),
        ("awslambdaric", pip_version("awslambdaric")),
        ("Node.js", output("node", "--version")),
        ("@aws-sdk/client-codedeploy", package_version("bench/node_modules/@aws-sdk/client-codedeploy")),
        ("@aws-sdk/client-lambda", package_version("bench/node_modules/@aws-sdk/client-lambda")),
        ("serverless", package_version("e2e/node_modules/serverless")),
        ("serverless-plugin-canary-deployments", package_version("e2e/node_modules/serverless-plugin-canary-deployments")),
    ]


def spread(s, digits=1):
    return f"{s['median']:.{digits}f} ({s['min']:.{digits}f}–{s['max']:.{digits}f})"


def ratio(peer, ours):
    if not ours:
        return "n/a"
    r = peer / ours
    return f"{r:.1f}×" if r >= 0.1 else f"{r:.1g}×"


def size(n):
    return f"{n / MB:.2f} MB" if n >= MB / 10 else f"{n / 1024:.1f} KB"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def figures(hooks, floor, sizes):
    """Rows: figure, then for each hook `median (min–max)` and, for peers, the ratio to ours."""
    ours = hooks["ours"]
    rows = []
    for key, label, digits in [
        ("coldMs", "cold start: spawn → status reported (ms)", 1),
        ("initMs", "init: spawn → first `/next` (ms)", 1),
        ("warmMs", "warm: event → status reported (ms)", 2),
        ("peakRssMb", "peak RSS (MB)", 1),
    ]:
        row = [label, spread(ours[key], digits)]
        for peer in PEERS:
            s = hooks[peer][key]
            row.append(f"{spread(s, digits)}, {ratio(s['median'], ours[key]['median'])}")
        row.append(spread(floor, 2) if key == "warmMs" else "")
        rows.append(row)
    row = ["artifact zip as deployed", size(sizes["ours"]["deployed"])]
    for peer in PEERS:
        row.append(f"{size(sizes[peer]['deployed'])}, {ratio(sizes[peer]['deployed'], sizes['ours']['deployed'])}")
    rows.append(row + [""])
    row = ["artifact zip, SDK bundled (for information)", size(sizes["ours"]["deployed"])]
    for peer in PEERS:
        row.append(f"{size(sizes[peer]['bundled'])}, {ratio(sizes[peer]['bundled'], sizes['ours']['deployed'])}")
    rows.append(row + [""])
    return table(["figure", NAMES["ours"], *(NAMES[p] + ", ratio to ours" for p in PEERS), "floor"], rows)


def scaling_table(hooks, counts):
    rows = []
    for count in counts:
        ours = hooks["ours"]["scalingMs"][count]
        row = [count, spread(ours, 0)]
        for peer in PEERS:
            s = hooks[peer]["scalingMs"][count]
            row.append(f"{spread(s, 0)}, {ratio(s['median'], ours['median'])}")
        rows.append(row)
    return table(["functions", NAMES["ours"], *(NAMES[p] + ", ratio to ours" for p in PEERS)], rows)


def targets(hooks, floor, sizes, plugin):
    ours = hooks["ours"]
    cold = ours["coldMs"]["median"]
    counts = sorted(ours["scalingMs"], key=int)
    one, fifty = ours["scalingMs"][counts[0]]["median"], ours["scalingMs"][counts[-1]]["median"]
    warm_gap = ours["warmMs"]["median"] - floor["median"]
    peer_cold = {p: hooks[p]["coldMs"]["median"] / cold for p in PEERS}
    return [
        ("cold start to verdict ≥ 10× faster than the Python and Node.js peers",
         f"{peer_cold['python']:.1f}× Python, {peer_cold['node']:.1f}× Node.js",
         min(peer_cold.values()) >= 10),
        ("peak RSS < 15 MB", f"{ours['peakRssMb']['median']:.1f} MB (max {ours['peakRssMb']['max']:.1f})",
         ours["peakRssMb"]["max"] < 15),
        ("zip < 5 MB", f"{sizes['ours']['deployed'] / MB:.2f} MB", sizes["ours"]["deployed"] < 5 * MB),
        ("warm verdict within 2 ms of the floor", f"{warm_gap:+.2f} ms ({ours['warmMs']['median']:.2f} vs {floor['median']:.2f})",
         warm_gap <= 2),
        (f"{counts[-1]} functions in < 2× one function's time", f"{fifty / one:.2f}× ({fifty:.0f} ms vs {one:.0f} ms)",
         fifty < 2 * one),
        *plugin_targets(plugin),
    ]


# What the plugin may add to `serverless package` (issue 12), in seconds, per variant.
PLUGIN_TARGETS = [("with", "native addon", 0.3), ("wasm", "wasm fallback", 1.0)]
PLUGIN_HEADING = "## The plugin's cost in `serverless package`"


def plugin_targets(plugin):
    base = plugin["without"]["median"]
    rows = []
    for key, name, limit in PLUGIN_TARGETS:
        added = plugin[key]["median"] - base
        rows.append((f"plugin adds ≤ {limit:g} s to `serverless package` ({name})",
                     f"{added:+.2f} s ({plugin[key]['median']:.2f} s vs {base:.2f} s, {plugin[key]['median'] / base:.2f}×)",
                     added <= limit))
    return rows


def plugin_table(plugin):
    rows = [
        (label, spread(plugin[key], 2))
        for key, label in [("without", "examples/website without serverless-prehook"),
                           ("with", "examples/website as shipped (with serverless-prehook, native addon)"),
                           ("wasm", "the same on the wasm fallback (`NAPI_RS_FORCE_WASI=error`)")]
    ]
    return table(["`serverless package`", "seconds, median (min–max)"], rows)


def goal_row(goal, measured, ok):
    return f"| {goal} | {measured} | {'met' if ok else '**missed**'} |"


def update_plugin_section(results_md, plugin, command):
    """Rewrites only the plugin's section and target rows of an existing RESULTS.md, for a
    plugin-cost run on its own (bench/plugin_cost.py), saying when and how it was measured."""
    text = Path(results_md).read_text()
    start = text.index(PLUGIN_HEADING)
    end = text.index("\n## ", start + 1)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load_now = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    section = (f"{PLUGIN_HEADING} (serverless@{package_version('e2e/node_modules/serverless')})\n\n"
               f"Measured on its own on {now} (`{command}`, {plugin['with']['runs']} runs per variant, load average at "
               f"the end {load_now}: a shared, busy machine, so the spread is wide; compare the medians "
               "of the same run). The rest of this file is from the run above.\n\n"
               f"{plugin_table(plugin)}\n")
    text = text[:start] + section + text[end:]
    lines = [line for line in text.split("\n") if not line.startswith("| plugin adds ")]
    index = next(i for i, line in enumerate(lines) if line.startswith("| target (issue 5)")) + 2
    while index < len(lines) and lines[index].startswith("| "):
        index += 1
    lines[index:index] = [goal_row(*row) for row in plugin_targets(plugin)]
    Path(results_md).write_text("\n".join(lines))


def main():
    parser = argparse.ArgumentParser()
    for name in ("plugin", "command", "out"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--hooks")
    parser.add_argument("--sizes")
    parser.add_argument("--plugin-only", action="store_true",
                        help="rewrite only the plugin's section and targets of an existing --out")
    parser.add_argument("--notes", default=str(BENCH / "NOTES.md"))
    args = parser.parse_args()
    if args.plugin_only:
        plugin = load(args.plugin)
        update_plugin_section(args.out, plugin, args.command)
        print(plugin_table(plugin), "\n".join(goal_row(*row) for row in plugin_targets(plugin)), sep="\n\n")
        return
    if not args.hooks or not args.sizes:
        parser.error("--hooks and --sizes are required without --plugin-only")
    results, sizes, plugin = load(args.hooks), load(args.sizes), load(args.plugin)
    hooks, floor = results["hooks"], results["floorMs"]
    counts = sorted(hooks["ours"]["scalingMs"], key=int)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load_end = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    load_start = os.environ.get("BENCH_LOADAVG_START", "unknown")
    host = machine()

    main_table = figures(hooks, floor, sizes)
    scale = scaling_table(hooks, counts)
    goal_rows = [(goal, measured, "met" if ok else "**missed**") for goal, measured, ok in targets(hooks, floor, sizes, plugin)]
    goals = table(["target (issue 5)", "measured", ""], goal_rows)
    plugin_figures = plugin_table(plugin)

    print(main_table, scale, plugin_figures, goals, sep="\n\n")

    notes = Path(args.notes).read_text().strip() if Path(args.notes).is_file() else ""
    text = f"""# Benchmark results

Written by `bench/report.py`; do not edit by hand (the commentary comes from `bench/NOTES.md`).

- **Date**: {now}
- **Command**: `{args.command}`
- **Machine**: {host['nproc']} CPUs ({host['cpu']}), {host['ram']} RAM, {host['os']}. A shared
  2-core machine: other builds and tests may have been running, so single runs vary; compare
  medians, and ratios measured in the same run. Load average (1, 5, 15 min) at the start
  {load_start}, at the end {load_end}.
- **Runs**: {results['runs']} cold/warm runs per hook (each a new process), {results['scalingRuns']} scaling runs,
  {plugin['with']['runs']} `serverless package` runs per variant. Figures are `median (min–max)`.

## Hooks: one check

{main_table}

A ratio is the peer's figure divided by ours, medians of the same run: above 1, the peer takes
more time, memory or space than ours.

## Scaling: one AppSpec with N functions, each check answered after {results['checkDelayMs']} ms

Time from the event queued to the status reported, in a warm process (ms). The peers check the
functions one after the other, as their users write them (a `for` loop over the AppSpec).

{scale}

{PLUGIN_HEADING} (serverless@{package_version('e2e/node_modules/serverless')})

{plugin_figures}

## Targets

{goals}

{notes}

## Versions

{table(["component", "version"], versions())}
"""
    Path(args.out).write_text(text)
    print(f"\nwrote {os.path.relpath(args.out, ROOT)}")


if __name__ == "__main__":
    main()
