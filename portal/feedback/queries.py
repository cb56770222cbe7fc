"""Reads of the feedback list: the filter and sort of the list (shared with its export) and one page.

A page is found in two steps, as the filing list does (portal.filings.queries.rows_page): the page's ids
from `feedback` alone, the actor's scope and the filters applied there and sorted off an index
(ix_feedback_created: created_at, id), then only those rows with their project, firm, agency and reply.
The total counts `feedback` alone too: each joined row is one feedback row (the joins follow required
foreign keys; a feedback has at most one reply), so the count is the same without the joins."""
from __future__ import annotations

from dataclasses import astuple, dataclass

from flask import current_app
from sqlalchemy import ColumnElement, select

from portal.core import access, pagination
from portal.core.context import Actor
from portal.core.pagination import Page
from portal.extensions import db
from portal.feedback import rules
from portal.feedback.models import RATING_FIELDS, Feedback, FeedbackReply
from portal.feedback.service import visible_feedback

SORTS = {
    "newest": (Feedback.created_at.desc(), Feedback.id.desc()),
    "oldest": (Feedback.created_at.asc(), Feedback.id.asc()),
    "lowest": ((Feedback.quality + Feedback.timeliness + Feedback.security + Feedback.conduct
                + Feedback.communication).asc(), Feedback.id.desc()),
}


@dataclass(frozen=True)
class FeedbackFilter:
    firm_id: int | None = None
    kind: str = ""
    reply_open: bool = False
    low: bool = False
    sort: str = "newest"

    def conditions(self) -> list[ColumnElement[bool]]:
        """Conditions on `feedback` alone (no join needed)."""
        where: list[ColumnElement[bool]] = []
        if self.firm_id:
            where.append(Feedback.firm_id == self.firm_id)
        if self.kind in (rules.MILESTONE, rules.COMPLETION):
            where.append(Feedback.kind == self.kind)
        if self.reply_open:
            # Its own FROM: the list's rows also outer-join feedback_reply (to show the reply).
            where.append(~select(FeedbackReply.id).where(FeedbackReply.feedback_id == Feedback.id)
                         .correlate_except(FeedbackReply).exists())
        if self.low:
            where.append(_any_rating_at_most(2))
        return where

    def order(self):
        return SORTS.get(self.sort, SORTS["newest"])


def _any_rating_at_most(n: int) -> ColumnElement[bool]:
    from sqlalchemy import or_

    return or_(*(getattr(Feedback, name) <= n for name in RATING_FIELDS))


def _scoped(actor: Actor, f: FeedbackFilter):
    return select(Feedback.id).where(access.visible(actor, Feedback), *f.conditions())


def rows(actor: Actor, f: FeedbackFilter):
    """The list's rows (feedback, project number and title, firm, agency, reply), sorted: the export's query."""
    return visible_feedback(actor).where(*f.conditions()).order_by(*f.order())


def list_page(actor: Actor, f: FeedbackFilter, page: int | None, per_page: int | None = None) -> Page:
    """One page of the list: the total (cached per scope and filter while feedback is unchanged), the
    page's ids from `feedback` alone, then those rows only: three statements whatever the page."""
    per_page = per_page or current_app.config.get("PAGE_SIZE", 20)
    scoped = _scoped(actor, f)
    total = pagination.count(scoped, ("feedback.list", access.scope_key(actor), astuple(f)))
    page = pagination.clamp(page, total, per_page)
    ids = list(db.session.scalars(scoped.order_by(*f.order()).limit(per_page).offset((page - 1) * per_page)))
    items = list(db.session.execute(visible_feedback(actor).where(Feedback.id.in_(ids)).order_by(*f.order()))) \
        if ids else []
    return Page(items=items, page=page, per_page=per_page, total=total)
