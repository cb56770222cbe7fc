"""The README's screenshot tables: every link leads to a committed image of a reasonable size, and every
image in docs/screenshots is linked."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
LIMIT = 400 * 1024


def test_every_screenshot_is_linked_from_the_readme_and_small():
    linked = set(re.findall(r"\]\((docs/screenshots/[^)]+\.png)\)", (ROOT / "README.md").read_text()))
    present = {str(p.relative_to(ROOT)) for p in (ROOT / "docs" / "screenshots").glob("*.png")}
    assert linked and linked == present, (sorted(linked - present), sorted(present - linked))
    documents = {"receipt", "inspection", "rectification", "summons", "negative-list", "objection"}
    assert {f"docs/screenshots/document-{d}-print.png" for d in documents} <= linked
    assert all((ROOT / name).stat().st_size <= LIMIT for name in linked)
