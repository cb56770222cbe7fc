"""The `evidence` macro renders a score's evidence references exactly as the former per-reference template
loop did: links where the kind has a page, escaped text, labels in the reader's language."""
from __future__ import annotations

import pytest

OLD_LISTED = ('{% for ref in refs %}{% set href, text = evidence_link(ref) %}{% if href %}<a href="{{ href }}">'
              '{{ text }}</a>{% else %}<span>{{ text }}</span>{% endif %}{% if not loop.last %}, {% endif %}{% endfor %}')
OLD_INLINE = ('{% for ref in refs %}{% set href, text = evidence_link(ref) %} {% if href %}<a href="{{ href }}">'
              '{{ text }}</a>{% else %}{{ text }}{% endif %}{% endfor %}')
NEW_LISTED = '{% from "scoring/_result.html" import evidence %}{{ evidence(refs, listed=True) }}'
NEW_INLINE = '{% from "scoring/_result.html" import evidence %}{{ evidence(refs) }}'
REFS = ["filing:12", "filing:²", "penalty:٣", "inspection:1&2", "inspection:3", "feedback:9", "rectification:4",
        "incident:77", "penalty:5", "filing:x<b>", "unknown:1", "odd<i>&", "penalty:<script>", "filing:12"]


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@pytest.mark.parametrize("refs", [REFS, [], ["penalty:1"], ["filing:1"]])
def test_evidence_links_match_the_template_loop(app, lang, refs):
    from flask import session

    from portal.web.i18n import remember_requested_language

    with app.test_request_context(f"/?lang={lang}"):
        session["lang"] = lang
        remember_requested_language()
        env = app.jinja_env
        old = env.from_string(OLD_LISTED).render(refs=refs)
        assert env.from_string(NEW_LISTED).render(refs=refs) == old
        assert env.from_string(NEW_INLINE).render(refs=refs) == env.from_string(OLD_INLINE).render(refs=refs)
        if refs == REFS:
            assert '<a href="/filings/12">' in old and "&lt;b&gt;" in old and "<script>" not in old
            assert ("Inspection #3" in old) == (lang == "en")
