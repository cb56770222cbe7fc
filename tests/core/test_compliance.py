"""Every legal duty of DESIGN.md §2 is traceable: clause -> code that exists -> tests that carry its marker."""
from __future__ import annotations

from pathlib import Path

from portal.compliance.clauses import CLAUSES
from portal.compliance.markers import collect
from portal.compliance.report import clause_rows, local_rule_rows, render_markdown, resolves, unknown_ids
from portal.core import local_rules

TESTS = Path(__file__).resolve().parents[1]
DOC = TESTS.parent / "docs" / "compliance.md"


def test_every_clause_names_existing_code_and_is_proved_by_a_test(app):
    problems = [p for row in clause_rows(TESTS) for p in row.problems]
    problems += [p for row in local_rule_rows(TESTS, local_rules.get) for p in row.problems]
    assert problems == []
    assert unknown_ids(TESTS) == []


def test_the_committed_table_is_the_generated_one(app):
    expected = render_markdown(clause_rows(TESTS), local_rule_rows(TESTS, local_rules.get))
    assert DOC.read_text(encoding="utf-8") == expected, "run: flask compliance report --output docs/compliance.md"


def test_markers_are_read_from_functions_classes_and_modules(tmp_path):
    (tmp_path / "test_sample.py").write_text(
        "import pytest\n"
        "pytestmark = [pytest.mark.clause('AL24')]\n"
        "@pytest.mark.clause('AL45', 'IR51')\n"
        "def test_one():\n    pass\n"
        "@pytest.mark.clause('AL42')\n"
        "class TestGroup:\n"
        "    def test_two(self):\n        pass\n"
        "def helper():\n    pass\n", encoding="utf-8")
    found = collect(tmp_path, root=tmp_path)
    assert found == {
        "AL24": ["test_sample.py::test_one", "test_sample.py::TestGroup::test_two"],
        "AL45": ["test_sample.py::test_one"],
        "IR51": ["test_sample.py::test_one"],
        "AL42": ["test_sample.py::TestGroup::test_two"],
    }


def test_references_that_do_not_exist_are_caught():
    assert resolves("portal.supervision.penalties:FINE_MIN")
    assert resolves("checklist:S-1")
    assert not resolves("portal.supervision.penalties:FINE_MINIMUM")
    assert not resolves("portal.no_such_module:anything")
    assert not resolves("checklist:Z-9")


def test_report_command_fails_on_a_clause_without_tests(app, runner, tmp_path):
    (tmp_path / "test_only_one.py").write_text(
        "import pytest\n@pytest.mark.clause('AL24')\ndef test_it():\n    pass\n", encoding="utf-8")
    result = runner.invoke(args=["compliance", "report", "--tests", str(tmp_path)])
    assert result.exit_code == 1
    assert "AL45: no test carries" in result.output
    assert "AL24: no test carries" not in result.output
    assert len(CLAUSES) > 20
