"""The layer rules docs/architecture.md draws, and the AST helpers the architecture test uses.

docs/architecture_graph.py draws its picture from LAYERS and ALLOWED below."""

from __future__ import annotations

import ast

# Each layer and the layers it may import (its own layer is always allowed). Lower first.
LAYERS = (
    "machine_config",
    "hw",
    "control",
    "app.root",
    "app.services",
    "app.storage",
    "app.api",
    "app.ui",
    "app.ops",
    "app.kpi",
    "app.tools",
    "app.wiring",
    "ops",
)
ALLOWED: dict[str, frozenset[str]] = {
    "machine_config": frozenset(),
    "hw": frozenset({"machine_config"}),
    "control": frozenset({"machine_config", "hw"}),
    "app.root": frozenset(),
    "app.services": frozenset({"machine_config", "hw", "control", "app.root"}),
    "app.storage": frozenset({"machine_config", "control", "app.root", "app.services"}),
    "app.api": frozenset({"machine_config", "control", "app.root", "app.services", "app.storage"}),
    "app.ui": frozenset({"machine_config", "control", "app.root", "app.services", "app.storage"}),
    # install, upgrade, backup, restore: files and the database, never the machine itself
    "app.ops": frozenset({"machine_config", "app.root", "app.services", "app.storage"}),
    # KPI reports over stored data, and the simulated week that produces such data
    "app.kpi": frozenset({"machine_config", "control", "app.root", "app.services", "app.storage"}),
    # standalone commands that look at a running install from outside (snapshot, Pi health)
    "app.tools": frozenset({"app.root"}),
    "app.wiring": frozenset(
        {"machine_config", "hw", "control", "app.root", "app.services", "app.storage"}
        | {"app.api", "app.ui", "app.ops", "app.kpi", "app.tools"}
    ),
    # the chaos drills drive the product from outside (command line, REST): import none of it
    "ops": frozenset(),
}
WIRING = ("app.cli", "app.run_cmd", "app.simulate", "app.smoke")  # builds and runs the process
TOOLS = ("app.snapshot_cmd", "app.pihealth")  # standalone commands beside the process
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 40
MAX_COMPLEXITY = 15  # radon grade C ends at 20; the budget is "not above C (15)"


def layer_of(module: str) -> str | None:
    """The layer of an in-repo module (or of a name imported from it), None if outside."""
    top = module.partition(".")[0]
    if top in ("machine_config", "hw", "control", "ops"):
        return top
    if top != "app":
        return None
    if module == "app":
        return "app.root"
    if any(module == w or module.startswith(w + ".") for w in WIRING):
        return "app.wiring"
    if any(module == t or module.startswith(t + ".") for t in TOOLS):
        return "app.tools"
    second = module.split(".")[1]
    return f"app.{second}" if f"app.{second}" in ALLOWED else None


def imports_of(tree: ast.AST, module: str) -> list[tuple[str, int]]:
    """Every module the source imports (anywhere in it), with its line; relative imports
    resolved against `module` (a package's __init__ is named as the package)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = module.split(".")[: -node.level] if node.level else []
            name = ".".join([*base, *([node.module] if node.module else [])])
            found.append((name, node.lineno))
    return found


def complexity(func: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """McCabe complexity as radon counts it: 1 + branches (if, loops, conditional
    expressions, match cases), except handlers, boolean operators and comprehensions with
    their ifs. Nested functions count towards the function that holds them."""
    count = 1
    for node in ast.walk(func):
        if isinstance(node, ast.If | ast.For | ast.AsyncFor | ast.While | ast.IfExp):
            count += 1  # a branch
        elif isinstance(node, ast.ExceptHandler | ast.match_case):
            count += 1  # a handler or a case
        elif isinstance(node, ast.BoolOp):
            count += len(node.values) - 1
        elif isinstance(node, ast.comprehension):
            count += 1 + len(node.ifs)
    return count
