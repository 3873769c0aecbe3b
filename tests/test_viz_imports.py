"""The replay reads run directories only: of simcore it imports the recording, the column names and
the errors; never the engine, Mesa or the scenario package (the run-time check that no numba or
Mesa gets loaded is in test_architecture.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

VIZ = Path(__file__).resolve().parents[1] / "viz"
FORBIDDEN = ("numba", "mesa", "scenarios", "experiments", "simcore.kernels", "simcore.simulation")
ALLOWED_SIMCORE = ("simcore.recording", "simcore.columns", "simcore.errors")


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", "") == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.append(str(node.args[0].value))
    return names


@pytest.mark.parametrize("path", sorted(VIZ.glob("*.py")), ids=lambda p: p.name)
def test_viz_source_imports_nothing_forbidden(path):
    for name in _imports(path):
        assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}"
        if name.startswith("simcore"):
            assert name.startswith(ALLOWED_SIMCORE), f"{path.name} imports {name}"
