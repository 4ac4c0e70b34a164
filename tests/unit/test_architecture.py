"""The layers of docs/architecture.md and the size budgets, checked on the source (AST).

Every import counts, wherever it is written: module level, inside a function, or under
`if TYPE_CHECKING:`. There is no whitelist: each module belongs to exactly one layer, and an
import is allowed only if its layer pair is in ALLOWED."""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.architecture_rules import (
    ALLOWED,
    LAYERS,
    MAX_COMPLEXITY,
    MAX_FUNCTION_LINES,
    MAX_MODULE_LINES,
    complexity,
    imports_of,
    layer_of,
)

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("machine_config", "hw", "control", "app", "ops")


def modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            yield name, path


def in_repo(name: str) -> bool:
    return name.partition(".")[0] in PACKAGES


def test_every_module_belongs_to_exactly_one_layer() -> None:
    unplaced = [name for name, _ in modules() if layer_of(name) is None]
    assert unplaced == []


@pytest.mark.parametrize("importer", LAYERS)
def test_each_layer_imports_only_the_layers_it_may(importer: str) -> None:
    """One case per importing layer; every imported layer is checked against ALLOWED."""
    wrong = []
    for name, path in modules():
        if layer_of(name) != importer:
            continue
        for target, line in imports_of(ast.parse(path.read_text()), name):
            if not in_repo(target):
                continue
            imported = layer_of(target)
            if imported != importer and imported not in ALLOWED[importer]:
                wrong.append(f"{path.relative_to(REPO)}:{line} {importer} -> {imported} ({target})")
    assert wrong == []


def test_the_allowed_layer_graph_has_no_cycle() -> None:
    seen: dict[str, str] = {}

    def visit(layer: str) -> None:
        seen[layer] = "open"
        for lower in ALLOWED[layer]:
            assert seen.get(lower) != "open", f"cycle through {layer} -> {lower}"
            if lower not in seen:
                visit(lower)
        seen[layer] = "done"

    for layer in LAYERS:
        if layer not in seen:
            visit(layer)


def test_modules_and_functions_keep_their_budgets() -> None:
    over = []
    for name, path in modules():
        text = path.read_text()
        if len(text.splitlines()) > MAX_MODULE_LINES:
            over.append(f"{name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    over.append(f"{name}.{node.name}: {length} lines")
                if complexity(node) > MAX_COMPLEXITY:
                    over.append(f"{name}.{node.name}: complexity {complexity(node)}")
    assert over == []


# -- the checks check: each rule catches what it is meant to catch -----------------------------
def test_a_face_importing_the_other_face_is_caught_even_inside_a_function() -> None:
    tree = ast.parse("def f():\n    from app.api.gateway import CoreGateway\n")
    [(target, _)] = imports_of(tree, "app.ui.overview")
    assert layer_of(target) == "app.api" and "app.api" not in ALLOWED["app.ui"]


def test_a_type_checking_import_counts_and_relative_imports_resolve() -> None:
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..core import X\n"
    assert [t for t, _ in imports_of(ast.parse(source), "control.sub.mod")] == [
        "typing",
        "control.core",
    ]


def test_complexity_counts_branches_boolean_operators_handlers_and_comprehension_ifs() -> None:
    source = (
        "def f(a, b):\n"
        "    if a and b or a:\n"  # if +1, and/or +2
        "        return [x for x in a if x]\n"  # comprehension +1, its if +1
        "    try:\n"
        "        pass\n"
        "    except ValueError:\n"  # +1
        "        pass\n"
        "    return 1 if b else 2\n"  # +1
    )
    [func] = ast.parse(source).body
    assert isinstance(func, ast.FunctionDef) and complexity(func) == 1 + 1 + 2 + 2 + 1 + 1


def test_the_picture_in_docs_is_drawn_from_these_rules() -> None:
    """docs/architecture.svg is what docs/architecture_graph.py draws from ALLOWED now."""
    spec = importlib.util.spec_from_file_location("graph", REPO / "docs" / "architecture_graph.py")
    assert spec is not None and spec.loader is not None
    graph = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(graph)
    assert (REPO / "docs" / "architecture.svg").read_text() == graph.svg()
