"""The dependency direction of DESIGN.md §1–2, enforced: simcore ← scenarios ← experiments; viz
reads run directories only; only experiments imports Mesa; kernels stay pure."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: package (or sub-package path) -> top-level modules it must never import
FORBIDDEN = {
    "simcore": {"scenarios", "experiments", "viz", "mesa", "pygame", "pydantic"},
    "simcore/kernels": {"shapely", "pydantic", "mesa", "pygame", "scipy", "skfmm", "sqlite3"},
    "scenarios": {"experiments", "viz", "mesa", "pygame"},
    "viz": {"experiments", "scenarios", "mesa", "numba", "simcore.kernels", "simcore.simulation"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _violations(package: str, forbidden: set[str]) -> list[str]:
    out = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in _imports(path):
            for bad in forbidden:
                if name == bad or name.startswith(bad + "."):
                    out.append(f"{path.relative_to(ROOT)} imports {name}")
    return out


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_forbidden_imports(package: str) -> None:
    assert _violations(package, FORBIDDEN[package]) == []


def test_only_experiments_imports_mesa() -> None:
    for package in ("simcore", "scenarios", "viz"):
        assert _violations(package, {"mesa"}) == []


def test_the_rule_catches_a_violation(tmp_path: Path) -> None:
    """The checker itself bites: a module importing Mesa is reported."""
    bad = tmp_path / "m.py"
    bad.write_text("import mesa\nfrom scenarios.models import Scenario\n")
    assert _imports(bad) == {"mesa", "scenarios.models"}


def test_reading_a_run_directory_loads_neither_numba_nor_mesa() -> None:
    """The replay viewer goes through simcore.recording only: no numba, no Mesa at run time."""
    import subprocess
    import sys

    code = (
        "import sys, pkgutil, importlib, viz, simcore.recording; "
        "[importlib.import_module(m.name) for m in pkgutil.walk_packages(viz.__path__, 'viz.')]; "
        "print(sorted(m for m in ('numba', 'mesa', 'scenarios', 'experiments') if m in sys.modules))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
