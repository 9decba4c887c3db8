"""Static checks of the addon: ruff, pylint-odoo, XML and manifest.

Usage: python scripts/check_static.py REPO. Exits non-zero on any finding.
"""

import ast
import subprocess
import sys
from pathlib import Path

from lxml import etree

SKIP_DIRS = {".git", ".run", "__pycache__", ".pytest_cache", ".ruff_cache"}


def tracked_files(repo, suffix):
    for path in sorted(repo.rglob(f"*{suffix}")):
        if not SKIP_DIRS.intersection(path.relative_to(repo).parts):
            yield path


def run(label, cmd, cwd):
    print(f"  {label}", flush=True)
    return subprocess.run([str(c) for c in cmd], cwd=cwd, check=False).returncode == 0


def check_xml(repo):
    ok = True
    for path in tracked_files(repo, ".xml"):
        try:
            etree.parse(str(path))
        except etree.XMLSyntaxError as error:
            print(f"{path.relative_to(repo)}: {error}")
            ok = False
    return ok


def check_manifest(repo):
    manifest = ast.literal_eval((repo / "__manifest__.py").read_text())
    ok = True
    if not manifest.get("version", "").startswith("19.0."):
        print(f"__manifest__.py: version {manifest.get('version')} is not 19.0.x.y.z")
        ok = False
    for key in ("data", "demo", "assets"):
        files = manifest.get(key, [])
        if isinstance(files, dict):
            files = [f for group in files.values() for f in group]
        for name in files:
            if "*" in name or name.startswith(("web/", "/")):
                continue
            relative = (
                name.split("/", 1)[1] if name.startswith("crm_closed_loop/") else name
            )
            if not (repo / relative).is_file():
                print(f"__manifest__.py: {key} file {name} does not exist")
                ok = False
    return ok


def main():
    repo = Path(sys.argv[1]).resolve()
    bin_dir = Path(sys.executable).parent
    results = [
        run("ruff format", [bin_dir / "ruff", "format", "--check", "."], repo),
        run("ruff check", [bin_dir / "ruff", "check", "."], repo),
        run(
            "pylint-odoo",
            [bin_dir / "pylint", "--rcfile", repo / ".pylintrc", repo],
            repo.parent,
        ),
        check_xml(repo),
        check_manifest(repo),
    ]
    if not all(results):
        print("static checks failed", file=sys.stderr)
        sys.exit(1)
    print("  static checks passed")


if __name__ == "__main__":
    main()
