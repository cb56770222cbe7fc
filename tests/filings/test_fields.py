"""One declared field list drives the filing form, the saved draft, the review page and the change diff."""
import ast
from pathlib import Path

import pytest
from sqlalchemy import inspect

from portal.filings import changes, fields
from portal.filings.forms import FilingForm
from portal.filings.models import ProjectFiling
from portal.scoring.rules import INDICATOR_INPUTS
from tests.filings.builders import FilingWorld

FIELDS_MODULE = Path(fields.__file__)


def test_fields_module_is_pure():
    tree = ast.parse(FIELDS_MODULE.read_text("utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert not imported & {"flask", "flask_babel", "sqlalchemy", "wtforms", "flask_wtf"}


def test_every_declared_field_is_a_column_and_a_form_field(app):
    columns = {c.key for c in inspect(ProjectFiling).columns}
    with app.test_request_context():
        form = FilingForm(meta={"csrf": False})
    for spec in fields.FIELDS:
        assert spec.name in columns, spec.name
        assert spec.name in form, spec.name
        assert spec.section in {s.key for s in fields.SECTIONS}


def test_change_diff_labels_come_from_the_declared_fields():
    for spec in fields.FIELDS:
        assert changes.FIELD_LABELS[spec.name] == spec.label


def test_evidence_fields_are_indicators_rule_sets_may_use():
    for spec in fields.evidence_fields():
        assert spec.evidence in INDICATOR_INPUTS


@pytest.fixture
def world(build):
    return FilingWorld(build)


def test_form_and_review_page_show_every_declared_field(client, login, world):
    login(world.vendor)
    form_page = client.get("/filings/new?lang=en").get_data(as_text=True)
    for spec in fields.FIELDS:
        assert f'name="{spec.name}"' in form_page, spec.name
    filing = world.draft()
    review = client.get(f"/filings/{filing.id}?lang=en").get_data(as_text=True)
    for spec in fields.FIELDS:
        assert f'data-field="{spec.name}"' in review, spec.name
    assert 'data-field="title">' + filing.title in review


def test_export_has_a_column_for_every_declared_export_field():
    from portal.filings.queries import export_columns

    headers = [column.header for column in export_columns()]
    for spec in fields.FIELDS:
        assert (spec.label in headers) == spec.export, spec.name
