"""portal.web.params.clean_text and text_arg: the one place user text for searching is shaped."""
from __future__ import annotations

import pytest
from werkzeug.exceptions import BadRequest

from portal.web.params import MAX_TEXT, clean_text, text_arg


def test_clean_text_drops_controls_collapses_spaces_and_cuts():
    assert clean_text("  salt\x00 \t works\u200b\n ") == "salt works"
    assert clean_text("\u202eevil") == "evil"
    assert clean_text(None) == ""
    assert clean_text("x" * 300, 100) == "x" * 100
    assert clean_text("盐业 档案") == "盐业 档案"


@pytest.mark.parametrize("raw, expected", [(None, ""), ("   ", ""), ("  a   b ", "a b"), ("档案", "档案"),
                                           ("x" * MAX_TEXT, "x" * MAX_TEXT)])
def test_text_arg_accepts_ordinary_text(app, raw, expected):
    args = {} if raw is None else {"q": raw}
    with app.test_request_context("/", query_string=args):
        assert text_arg("q") == expected


@pytest.mark.parametrize("raw", ["a\x00b", "a\x1bb", "\u202eab", "x" * (MAX_TEXT + 1)])
def test_text_arg_refuses_hostile_text(app, raw):
    with app.test_request_context("/", query_string={"q": raw}), pytest.raises(BadRequest):
        text_arg("q")
