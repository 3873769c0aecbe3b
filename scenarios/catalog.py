"""The bundled venues in ``scenarios/library/`` (TOML files shipped with the package)."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Final

from simcore.errors import ScenarioError

__all__ = ["LIBRARY_DIR", "library_path", "list_library"]

#: Folder holding the bundled scenario files.
LIBRARY_DIR: Final = Path(__file__).resolve().parent / "library"


def list_library() -> list[str]:
    """Names of the bundled venues (file names without ``.toml``), sorted."""
    return sorted(p.stem for p in LIBRARY_DIR.glob("*.toml"))


def library_path(name: str = "default") -> Path:
    """Path of a bundled venue.

    Args:
        name: venue name as listed by :func:`list_library` (``"default"``: a station concourse).

    Returns:
        The path of the TOML file (load it with :func:`scenarios.load`).

    Raises:
        ScenarioError: no bundled venue has that name (the message lists them).
    """
    path = LIBRARY_DIR / f"{name}.toml"
    if not path.is_file():
        names = list_library()
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise ScenarioError(
            f"no bundled venue named '{name}'; {hint}available: {', '.join(names)}",
            file=str(path),
        )
    return path
