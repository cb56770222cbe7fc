"""Architecture: China time is known in one place, portal/core/localtime.py, and that place is pure."""
from __future__ import annotations

import ast
import re
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[2] / "portal"
# A hand-written China offset, however it is spelt: hours=8, hours = 8, hours=16 (the end of a local day).
HAND_WRITTEN_OFFSET = re.compile(r"hours\s*=\s*(8|16)\b")


def test_no_module_writes_the_china_offset_by_hand():
    offenders = [
        f"{path.relative_to(PORTAL.parent)}:{number}: {line.strip()}"
        for path in sorted(PORTAL.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if HAND_WRITTEN_OFFSET.search(line)
    ]
    assert offenders == [], "use portal.core.localtime instead of a hand-written offset:\n" + "\n".join(offenders)


def test_only_core_localtime_names_the_time_zone():
    named = [str(path.relative_to(PORTAL.parent)) for path in sorted(PORTAL.rglob("*.py"))
             if "Asia/Shanghai" in path.read_text(encoding="utf-8")]
    assert named == ["portal/core/localtime.py"]


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_localtime_and_clock_import_neither_flask_nor_sqlalchemy():
    for name in ("localtime.py", "clock.py"):
        roots = _imported_roots(PORTAL / "core" / name)
        assert not roots & {"flask", "flask_sqlalchemy", "sqlalchemy"}, (name, roots)


def test_today_and_now_come_from_the_portal_clock():
    """date.today() is the server's calendar, not the bureau's; datetime.now() escapes time travel."""
    own_clock = re.compile(r"\bdate\.today\(\)|\bdatetime\.(now|utcnow|today)\(")
    offenders = [
        f"{path.relative_to(PORTAL.parent)}:{number}: {line.strip()}"
        for path in sorted(PORTAL.rglob("*.py")) if path != PORTAL / "core" / "clock.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if own_clock.search(line)
    ]
    assert offenders == [], "use portal.core.clock / portal.core.localtime:\n" + "\n".join(offenders)
