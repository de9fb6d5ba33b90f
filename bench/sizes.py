"""Deployable artifact sizes: our shipped hook zip, and each peer zipped as it is deployed.

The managed Python and Node.js runtimes provide boto3 and the AWS SDK v3, so a peer is deployed
as its handler file alone; the size with its SDK bundled (`pip install -t`, the SDK's
node_modules) is reported too, for information. Every zip is deflated at level 9, as ours is.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def zip_tree(zip_path, entries):
    """Writes (archive name, file path) pairs into a new zip; returns its size in bytes."""
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, path in entries:
            archive.write(path, name)
    return zip_path.stat().st_size


def files_under(directory, prefix):
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for filename in sorted(filenames):
            path = Path(dirpath) / filename
            if filename == ".prehook-stamp" or filename.endswith(".pyc"):
                continue
            yield f"{prefix}{path.relative_to(directory)}", path


def requirement(name):
    for line in (BENCH / "requirements.txt").read_text().splitlines():
        if line.split("==")[0].strip() == name:
            return line.strip()
    sys.exit(f"sizes: {name} is not pinned in bench/requirements.txt")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hook-zip", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)

    python_handler = BENCH / "peers/python/handler.py"
    node_handler = BENCH / "peers/node/index.mjs"

    # boto3 as a user bundles it: `pip install -t`, at the version the peer runs with.
    site = work / "python-deps"
    subprocess.run(
        [str(BENCH / ".venv/bin/pip"), "install", "--quiet", "--disable-pip-version-check",
         "--target", str(site), requirement("boto3")],
        check=True,
    )
    # bench/package.json lists only the two SDK clients: its node_modules is their closure.
    node_modules = BENCH / "node_modules"

    sizes = {
        "ours": {"deployed": Path(args.hook_zip).stat().st_size},
        "python": {
            "deployed": zip_tree(work / "python.zip", [("handler.py", python_handler)]),
            "bundled": zip_tree(
                work / "python-bundled.zip",
                [("handler.py", python_handler), *files_under(site, "")],
            ),
        },
        "node": {
            "deployed": zip_tree(work / "node.zip", [("index.mjs", node_handler)]),
            "bundled": zip_tree(
                work / "node-bundled.zip",
                [("index.mjs", node_handler), *files_under(node_modules, "node_modules/")],
            ),
        },
    }
    Path(args.out).write_text(json.dumps(sizes, indent=2) + "\n")


if __name__ == "__main__":
    main()
