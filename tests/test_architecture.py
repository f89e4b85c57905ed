"""The layout the README describes is the layout the import contracts enforce.

`make check` runs the contracts themselves (`lint-imports`); these tests keep the contracts, the
README's diagram and the code from drifting apart: a new module of `tumorboard/` must be placed in
a layer, the README must name the layers in the contracts' order, and no module grows past the
size at which it stops being one concept.
"""

from __future__ import annotations

import ast
import configparser
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("clinical", "cases", "scheduling", "recommendations", "tumorboard", "audit")
# Small apps of their own that sit in the shared-plumbing layer beside tumorboard's modules.
SHARED_APPS = {"audit"}
# Modules of tumorboard/ that are neither wiring nor shared plumbing: entry points and settings.
TUMORBOARD_OUTSIDE_LAYERS = {"__init__", "asgi", "wsgi", "settings"}
MAX_MODULE_LINES = 900


def _contract_layers() -> list[list[str]]:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    raw = config["importlinter:contract:layers"]["layers"]
    return [re.split(r"\s*[:|]\s*", line.strip()) for line in raw.strip().splitlines()]


def _readme_layers() -> list[tuple[str, list[str]]]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Architecture", 1)[1]
    diagram = section.split("```text", 1)[1].split("```", 1)[0]
    rows = []
    for line in diagram.splitlines():
        if not line.strip() or line.strip() == "|":
            continue
        name, _, rest = re.split(r"(\s{2,})", line.strip(), maxsplit=1)
        rows.append((name, [word.strip() for word in re.split(r",|·", rest)]))
    return rows


def _production_modules(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "tests" in parts or "migrations" in parts:
            continue
        yield path


def test_every_tumorboard_module_has_a_layer():
    layered = {module for layer in _contract_layers() for module in layer}
    modules = {
        path.stem if path.parent == ROOT / "tumorboard" else path.relative_to(ROOT).parts[1]
        for path in _production_modules("tumorboard")
    }
    unplaced = {m for m in modules - TUMORBOARD_OUTSIDE_LAYERS if f"tumorboard.{m}" not in layered}
    assert not unplaced, f"add these to a layer in .importlinter: {sorted(unplaced)}"


def test_the_readme_diagram_names_the_contract_layers_in_order():
    contract = _contract_layers()
    readme = _readme_layers()
    assert [name for name, _ in readme] == [
        "tumorboard wiring",
        "recommendations",
        "scheduling",
        "cases",
        "tumorboard shared",
        "clinical",
    ]
    assert len(readme) == len(contract)
    for (name, words), layer in zip(readme, contract, strict=True):
        if name.startswith("tumorboard"):
            named = [w if w in SHARED_APPS else f"tumorboard.{w}" for w in words]
            assert sorted(named) == sorted(layer), name
        else:
            assert layer == [name]


def test_the_readme_table_names_every_package():
    section = (ROOT / "README.md").read_text().split("## Architecture", 1)[1]
    for package in APPS:
        assert f"| `{package}/` |" in section


@pytest.mark.parametrize("package", APPS)
def test_no_module_outgrows_one_concept(package):
    too_long = {
        str(path.relative_to(ROOT)): n
        for path in _production_modules(package)
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not too_long


@pytest.mark.parametrize("package", APPS)
def test_no_project_import_hides_inside_a_function(package):
    """An import inside a function is how a cycle hides from the contracts; AppConfig.ready is
    the one place Django wants one (registering an app's tasks)."""
    hidden = []
    for path in _production_modules(package):
        tree = ast.parse(path.read_text())
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef) or func.name == "ready":
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.ImportFrom):
                    project = node.level > 0 or (node.module or "").split(".")[0] in APPS
                elif isinstance(node, ast.Import):
                    project = any(alias.name.split(".")[0] in APPS for alias in node.names)
                else:
                    continue
                if project:
                    hidden.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not hidden
