"""Which tests prove which clause: read from the test sources (``@pytest.mark.clause(...)`` on a function or
class, or ``pytestmark`` in a module), without importing or running them."""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path


def _clause_ids(node: ast.AST) -> list[str]:
    """The ids of every ``pytest.mark.clause(...)`` call inside a decorator or ``pytestmark`` value."""
    ids: list[str] = []
    for call in ast.walk(node):
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "clause"
                and isinstance(call.func.value, ast.Attribute) and call.func.value.attr == "mark"):
            ids.extend(arg.value for arg in call.args
                       if isinstance(arg, ast.Constant) and isinstance(arg.value, str))
    return ids


def _module_ids(tree: ast.Module) -> list[str]:
    ids: list[str] = []
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == "pytestmark" for target in statement.targets):
            ids.extend(_clause_ids(statement.value))
    return ids


def _tests_in(body: list[ast.stmt], prefix: str, inherited: list[str], found: dict[str, list[str]]) -> None:
    for node in body:
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            ids = inherited + [i for d in node.decorator_list for i in _clause_ids(d)]
            _tests_in(node.body, f"{prefix}::{node.name}", ids, found)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            ids = inherited + [i for d in node.decorator_list for i in _clause_ids(d)]
            for clause_id in dict.fromkeys(ids):
                found[clause_id].append(f"{prefix}::{node.name}")


def collect(tests_dir: Path, root: Path | None = None) -> dict[str, list[str]]:
    """clause id -> test node ids (``tests/x/test_y.py::test_z``), in file order."""
    root = root or tests_dir.parent
    found: dict[str, list[str]] = defaultdict(list)
    for path in sorted(tests_dir.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        _tests_in(tree.body, path.relative_to(root).as_posix(), _module_ids(tree), found)
    return dict(found)
