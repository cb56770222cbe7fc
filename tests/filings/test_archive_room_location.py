"""The agency's archive room location: asked on the filing form, shown on the review page, exported,
and counted as scoring evidence a rule set may weigh ("filing.archive_room_recorded")."""
from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from portal.scoring import evidence
from portal.scoring.rules import INDICATOR_INPUTS
from tests.filings.builders import FilingWorld
from tests.scoring.builders import ScoringBuilder

ROOM = "2号楼3层305室"


@pytest.fixture
def world(build):
    return FilingWorld(build)


def test_the_firm_fills_it_in_and_the_regulator_reads_it(client, login, world):
    filing = world.draft(archive_room_location=ROOM)
    login(world.vendor)
    assert 'name="archive_room_location"' in client.get(f"/filings/{filing.id}/edit").get_data(as_text=True)
    submitted = world.advance(filing, "submit", "confirm")
    login(world.regulator)
    page = client.get(f"/filings/{submitted.id}?lang=zh_CN").get_data(as_text=True)
    assert "立档单位档案库房位置" in page and f'data-field="archive_room_location">{ROOM}' in page
    export = client.get("/filings/export.xlsx?lang=zh_CN")
    rows = list(load_workbook(BytesIO(export.data)).active.values)[1:]
    column = rows[0].index("立档单位档案库房位置")
    assert [row[column] for row in rows[1:]] == [ROOM]


def test_it_is_scoring_evidence_among_projects_starting_in_the_period(build):
    assert "filing.archive_room_recorded" in INDICATOR_INPUTS
    sb = ScoringBuilder(build)
    firm = build.firm()
    sb.project(firm, archive_room_location=ROOM)
    sb.project(firm)  # no location given
    found = evidence.collect(date(2026, 7, 1), date(2026, 9, 30))
    assert found.inputs[firm.id]["filing.archive_room_recorded"] == (1, 2)
