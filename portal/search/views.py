"""The search page: the header box's word, matched against each kind the user may see."""
from __future__ import annotations

from typing import NamedTuple

from flask import render_template, url_for
from flask_babel import get_locale

from portal.core import access
from portal.core.constants import STAFF_ROLES
from portal.core.context import current_actor
from portal.core.identifiers import district_name
from portal.core.workflows import PROJECT_FILING
from portal.search import queries
from portal.search.blueprint import bp
from portal.web.i18n import gettext, pgettext
from portal.web.params import text_arg
from portal.web.permissions import authenticated


class Hit(NamedTuple):
    """One found row as the page shows it: a link, its main words and a line of detail."""

    href: str
    label: str
    detail: str


class Section(NamedTuple):
    kind: str
    heading: str
    hits: list[Hit]
    more: bool
    more_href: str | None  # the full, filtered list; None where no list page exists for the user


@bp.route("/search")
@authenticated
def index():
    q = text_arg("q")
    if len(q) < queries.MIN_LENGTH:
        return render_template("search/results.html", q=q, sections=None, min_length=queries.MIN_LENGTH)
    actor = current_actor()
    groups = queries.search(actor, q)
    sections = [_section(group, q, access.is_supervisor(actor)) for group in groups]
    return render_template("search/results.html", q=q, sections=sections, min_length=queries.MIN_LENGTH,
                           found=any(s.hits for s in sections))


def _section(group: queries.Group, q: str, supervisor: bool) -> Section:
    lang = str(get_locale() or "zh_CN")
    if group.kind == "filings":
        draft = gettext("(draft)")
        hits = [Hit(url_for("filings.detail", filing_id=r.id), f"{r.number or draft} {r.title}",
                    f"{r.firm_name} · {gettext(PROJECT_FILING.states.get(r.status, r.status))}") for r in group.rows]
        return Section("filings", gettext("Project filings"), hits, group.more, url_for("filings.index", number=q))
    if group.kind == "firms":
        hits = [Hit(url_for("firms.detail", firm_id=r.id), r.name,
                    " · ".join(filter(None, (r.uscc, district_name(r.district_code, lang))))) for r in group.rows]
        return Section("firms", gettext("Firms"), hits, group.more,
                       url_for("firms.index", q=q) if supervisor else None)
    if group.kind == "agencies":
        hits = [Hit(url_for("filings.index", agency=r.name), r.name, district_name(r.district_code, lang) or "")
                for r in group.rows]
        return Section("agencies", pgettext("search results", "Agencies"), hits, group.more, url_for("filings.index", agency=q))
    left = gettext("left the firm")
    hits = [Hit(url_for("firms.staff", firm_id=r.firm_id, status="all"), r.name,
                " · ".join(filter(None, (r.firm_name, gettext(STAFF_ROLES.get(r.role, r.role)),
                                         "" if r.active else left))))
            for r in group.rows]
    return Section("staff", gettext("Staff"), hits, group.more, None)
