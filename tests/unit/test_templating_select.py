"""The `options` macro (templates/macros/forms.html): the <option> lists of filter forms."""
import pytest


@pytest.fixture
def options(app):
    template = app.jinja_env.from_string('{% from "macros/forms.html" import options %}{{ options(choices, selected) }}')
    return lambda choices, selected=None: template.render(choices=choices, selected=selected)


def test_options_escape_labels_and_mark_the_selected_value(options):
    html = options([(1, "A & B <Ltd>"), (2, "C\"D"), (12, "E")], 12)
    assert html == ('<option value="1">A &amp; B &lt;Ltd&gt;</option>'
                    '<option value="2">C&#34;D</option>'
                    '<option value="12" selected>E</option>')


def test_values_are_escaped_and_compared_as_text(options):
    assert options([("a\"<b>", "x")], "a\"<b>") == '<option value="a&#34;&lt;b&gt;" selected>x</option>'
    assert options([(3, "x")], "3") == '<option value="3" selected>x</option>'


def test_nothing_selected_when_the_value_is_none_or_absent(options):
    assert "selected" not in options([(1, "A"), (2, "B")], None)
    assert "selected" not in options([(1, "A")], 3)
    assert options([], 1) == ""
