"""Evidence references ("filing:75") in words: the project number (title on hover) and a link, resolved with
one batch query per kind, so a score page sends the same number of queries however much evidence it shows."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import request
from sqlalchemy import select

from portal.core.msgids import N_
from portal.extensions import db

# Evidence references → the pages other areas own (plain paths, so this area does not import their views).
REF_PATHS = {
    "filing": "/filings/{}",
    "inspection": "/supervision/inspections/{}",
    "feedback": "/feedback/{}",
    "rectification": "/supervision/rectifications/{}",
    "incident": "/incidents/{}",
    "followup": "/followups/{}",
}
REF_LABELS = {
    "filing": N_("Filing"),
    "inspection": N_("Inspection"),
    "feedback": N_("Feedback"),
    "rectification": N_("Rectification order"),
    "incident": N_("Incident"),
    "penalty": N_("Penalty case"),
    "followup": N_("Bad-rating follow-up"),
}


@dataclass(frozen=True)
class Ref:
    href: str | None
    kind_label: str  # msgid
    number: str  # a project or order number, "" when the object has none (a draft)
    title: str  # shown on hover


def _ids(refs: Iterable[str], kind: str) -> set[int]:
    return {int(ident) for ref in refs for k, _s, ident in [ref.partition(":")] if k == kind and ident.isdigit()}


def resolve(refs: Iterable[str]) -> dict[str, Ref]:
    """Every reference in words: one query per kind present, whatever the number of references."""
    from portal.feedback.models import Feedback
    from portal.filings.models import ProjectFiling
    from portal.followups.models import FollowUp
    from portal.incidents.models import Incident
    from portal.supervision.models import Inspection, RectificationOrder

    refs = set(refs)
    out: dict[str, Ref] = {}
    by_filing = {"filing": ProjectFiling.id, "inspection": Inspection, "feedback": Feedback, "incident": Incident,
                 "followup": FollowUp}
    for kind, model in by_filing.items():
        ids = _ids(refs, kind)
        if not ids:
            continue
        if kind == "filing":
            stmt = select(ProjectFiling.id, ProjectFiling.number, ProjectFiling.title).where(ProjectFiling.id.in_(ids))
        else:
            stmt = (select(model.id, ProjectFiling.number, ProjectFiling.title)
                    .outerjoin(ProjectFiling, ProjectFiling.id == model.filing_id).where(model.id.in_(ids)))
        for ident, number, title in db.session.execute(stmt):
            out[f"{kind}:{ident}"] = Ref(REF_PATHS[kind].format(ident), REF_LABELS[kind], number or "", title or "")
    ids = _ids(refs, "rectification")
    if ids:
        for ident, number in db.session.execute(select(RectificationOrder.id, RectificationOrder.number)
                                                .where(RectificationOrder.id.in_(ids))):
            out[f"rectification:{ident}"] = Ref(REF_PATHS["rectification"].format(ident),
                                                REF_LABELS["rectification"], number or "", "")
    for ref in refs - set(out):  # gone, or a kind without a page (penalty cases): named, not linked
        kind = ref.partition(":")[0]
        out[ref] = Ref(None, REF_LABELS.get(kind, N_("Evidence")), "", "")
    return out


def _cache() -> dict[str, Ref]:
    # Kept with the request (its WSGI environ), so nothing resolved for one request is shown to another.
    return request.environ.setdefault("portal.evidence_refs", {})


def preload(refs: Iterable[str]) -> None:
    """Resolve a page's references up front (views call this once with all of them)."""
    cache = _cache()
    missing = set(refs) - set(cache)
    if missing:
        cache.update(resolve(missing))


def lookup(refs: Iterable[str]) -> list[Ref]:
    refs = list(refs)
    preload(refs)
    cache = _cache()
    return [cache[ref] for ref in refs]


def result_refs(*results) -> set[str]:
    """Every evidence reference of FirmScoreResults (indicators, deductions, vetoes)."""
    found: set[str] = set()
    for result in results:
        if result is None:
            continue
        for d in result.dimensions:
            for i in d.indicators:
                found.update(i.refs or ())
        for d in result.deductions:
            found.update(d.refs or ())
        for v in result.vetoes:
            found.update(v.refs or ())
    return found
