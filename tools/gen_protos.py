"""Generates the Python code for `protos/` into `gen/python`, or checks that it is current.

One script so that `make proto` and the staleness test produce byte-identical output.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import sys
import tempfile
from pathlib import Path

import grpc_tools
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"
OUT = ROOT / "gen" / "python"
PACKAGE_DIR = Path("credence") / "v1"


def generate(out: Path) -> None:
    """Runs protoc (python, grpc and mypy stubs) over every proto into `out`."""
    sources = sorted(str(p.relative_to(PROTOS)) for p in (PROTOS / PACKAGE_DIR).glob("*.proto"))
    include = Path(grpc_tools.__file__).parent / "_proto"
    plugin_dir = Path(sys.executable).parent
    env_path = f"{plugin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    os.environ["PATH"] = env_path
    args = [
        "protoc",
        f"-I{PROTOS}",
        f"-I{include}",
        f"--python_out={out}",
        f"--grpc_python_out={out}",
        f"--mypy_out={out}",
        f"--mypy_grpc_out={out}",
        *sources,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    for package in (out / "credence", out / PACKAGE_DIR):
        (package / "__init__.py").write_text('"""Generated from protos/; do not edit."""\n')
    (out / "credence" / "py.typed").write_text("")


def differences(a: Path, b: Path) -> list[str]:
    """Lists the files that differ between two generated trees."""
    found: list[str] = []
    cmp = filecmp.dircmp(a, b)
    stack = [(cmp, Path())]
    while stack:
        node, rel = stack.pop()
        found += [str(rel / n) for n in node.left_only + node.right_only + node.diff_files]
        found += [str(rel / n) for n in node.funny_files]
        stack += [(sub, rel / name) for name, sub in node.subdirs.items()]
    return sorted(f for f in found if "__pycache__" not in f)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if gen/python is stale")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        generate(fresh)
        if args.check:
            stale = differences(fresh / "credence", OUT / "credence")
            if stale:
                print("generated code is stale, run `make proto`:", *stale, sep="\n  ")
                return 1
            print("generated code is current")
            return 0
        shutil.rmtree(OUT / "credence", ignore_errors=True)
        shutil.copytree(fresh / "credence", OUT / "credence")
    print(f"generated {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
