"""Excel workbooks are built in one place (portal.core.exports); reading an uploaded one is not building."""
from __future__ import annotations

import re
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[2] / "portal"


def test_workbook_is_built_in_core_exports_only():
    # Built with openpyxl's Workbook, or written part by part (the streamed writer).
    building = sorted(str(p.relative_to(PORTAL)) for p in PORTAL.rglob("*.py")
                      if re.search(r"\bWorkbook\(|xl/worksheets/", p.read_text(encoding="utf-8")))
    assert building == ["core/exports.py"]


def test_every_upload_check_goes_through_core_uploads():
    callers = sorted(str(p.relative_to(PORTAL)) for p in PORTAL.rglob("*.py")
                     if re.search(r"\b(sniff|extension_matches)\(", p.read_text(encoding="utf-8")))
    assert callers == ["core/upload_rules.py", "core/uploads.py"]
