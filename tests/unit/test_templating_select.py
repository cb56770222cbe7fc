"""select_options: the fast <option> list used by the supervision filters."""
from portal.web.templating import select_options


def test_options_escape_labels_and_mark_the_selected_value():
    html = str(select_options([(1, "A & B <Ltd>"), (2, "C\"D"), (12, "E")], 12))
    assert html == ('<option value="1">A &amp; B &lt;Ltd&gt;</option>'
                    '<option value="2">C&#34;D</option>'
                    '<option value="12" selected>E</option>')


def test_nothing_selected_when_the_value_is_none_or_absent():
    assert "selected" not in str(select_options([(1, "A"), (2, "B")], None))
    assert "selected" not in str(select_options([(1, "A")], 3))
    assert str(select_options([], 1)) == ""
