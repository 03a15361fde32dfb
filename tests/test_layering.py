"""The stages depend on each other in one direction only:
lang -> compile -> explore -> report -> cli (pipeline ties lang, compile and explore together).
Each module's imports are read with `ast`, relative imports resolved."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import REPO

PACKAGE = REPO / "modelcheck"

FORBIDDEN = {
    "lang": ["compile", "explore", "report", "cli", "pipeline"],
    "compile": ["explore", "report", "cli"],
    "explore": ["compile", "report", "cli", "lang"],
    "report": ["compile", "cli", "lang", "pipeline"],
    "lsp": ["compile", "explore", "report", "cli", "pipeline"],  # the language server reads specs only
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> set[str]:
    """Every module the file imports, as absolute dotted names; `from a import b` yields
    both a and a.b (b may be a submodule)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[:len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module
            out.add(base)
            out.update(f"{base}.{alias.name}" for alias in node.names)
    return out


def modules_of(stage: str) -> list[Path]:
    return sorted((PACKAGE / stage).rglob("*.py"))


def test_import_reader_sees_relative_imports():
    # guards the test below against passing vacuously
    assert "modelcheck.pipeline" in imported_modules(PACKAGE / "cli.py")
    assert "modelcheck.lang.typecheck" in imported_modules(PACKAGE / "compile" / "analysis.py")
    assert "modelcheck.explore.model" in imported_modules(PACKAGE / "explore" / "bfs.py")


@pytest.mark.parametrize("stage", FORBIDDEN)
def test_stage_direction(stage):
    files = modules_of(stage)
    assert files, f"no modules in modelcheck/{stage}"
    bad = []
    for path in files:
        for mod in imported_modules(path):
            for other in FORBIDDEN[stage]:
                target = f"modelcheck.{other}"
                if mod == target or mod.startswith(target + "."):
                    bad.append(f"{path.relative_to(REPO)} imports {mod}")
    assert not bad, "\n".join(sorted(set(bad)))
