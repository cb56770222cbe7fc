"""Pure rules import neither Flask nor SQLAlchemy, directly or through another portal module, so they
are decided and tested without an application or a database (STYLE: a pure domain core)."""
import ast
from pathlib import Path

import pytest

PORTAL = Path(__file__).resolve().parents[2] / "portal"
FORBIDDEN = ("flask", "flask_babel", "flask_login", "flask_wtf", "flask_sqlalchemy", "sqlalchemy", "wtforms",
             "werkzeug", "jinja2")
PURE = sorted(
    {p for p in PORTAL.glob("*/rules.py")}
    | {p for p in PORTAL.glob("*/result_rules.py")}
    | {PORTAL / name for name in (
        "filings/fields.py", "supervision/checklists.py", "supervision/draw.py", "supervision/penalties.py",
        "auth/password_policy.py", "auth/totp.py", "core/localtime.py", "core/clock.py", "core/workflow.py",
        "core/workflows.py", "core/constants.py", "core/identifiers.py", "core/masking.py", "core/messages.py",
        "core/msgids.py", "core/workdays.py", "core/upload_rules.py", "core/fieldcrypto.py")}
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _path_of(module: str) -> Path | None:
    parts = module.split(".")
    if parts[0] != "portal":
        return None
    candidate = PORTAL.joinpath(*parts[1:])
    if candidate.with_suffix(".py").is_file():
        return candidate.with_suffix(".py")
    if (candidate / "__init__.py").is_file():
        return candidate / "__init__.py"
    return None


@pytest.mark.parametrize("path", PURE, ids=lambda p: str(p.relative_to(PORTAL)))
def test_pure_module_reaches_no_framework(path):
    assert path.is_file(), path
    seen, todo, offenders = set(), [path], []
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for module in _imports(current):
            if module.split(".")[0] in FORBIDDEN:
                offenders.append(f"{current.relative_to(PORTAL)} imports {module}")
            target = _path_of(module)
            if target is not None:
                todo.append(target)
    assert offenders == []
