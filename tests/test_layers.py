"""Imports point one way: from the doors (dashboard, api) down to core, never upward.

The contracts are import-linter's, in pyproject.toml ([tool.importlinter]); `make
lint-imports` runs the same check.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_import_points_down_the_layers():
    result = lint_imports(settings.BASE_DIR)

    assert result.returncode == 0, f"An import breaks the layers:\n{result.stdout}{result.stderr}"
    assert "Apps import downward only KEPT" in result.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    # A copy of the project in which statements asks positions, as shift detection once did.
    for name in ("apps", "config"):
        shutil.copytree(
            settings.BASE_DIR / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(settings.BASE_DIR / "pyproject.toml", tmp_path)
    (tmp_path / "apps" / "statements" / "upward.py").write_text(
        "from apps.positions.services import shift_detect\n"
    )

    result = lint_imports(tmp_path)

    assert result.returncode == 1
    assert "Apps import downward only BROKEN" in result.stdout
    assert "apps.statements is not allowed to import apps.positions" in result.stdout
    assert "apps.statements.upward -> apps.positions.services" in result.stdout
