"""Excel exports of the supervision lists (the current filter, every row): column declarations for the
core export builder and the rows, read in batches so the names of a batch come in one query each."""
from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy import Select, select

from portal.auth.models import User
from portal.core.constants import SEVERITIES
from portal.core.context import Actor
from portal.core.exports import BATCH, Column, batched, fetch_rows
from portal.core.msgids import N_
from portal.core.workflows import INSPECTION, RECTIFICATION
from portal.extensions import db
from portal.supervision import alerts, inspections, rectification

Translate = Callable[[str], str]


def _batches(stmt: Select, scalars: bool = True) -> Iterator[list]:
    return batched(fetch_rows(stmt, scalars=scalars), BATCH)


def alert_columns(gettext: Translate, message: Callable[[str, dict], str],
                  states: dict[str, str]) -> tuple[Column, ...]:
    """The alert list's columns in its order (`states`: the list's words for each state), then when it was
    closed or acknowledged and the note."""
    return (
        Column(N_("Raised"), lambda r: r[0].raised_at, "datetime"),
        Column(N_("Rule"), lambda r: gettext(alerts.RULES.get(r[0].rule, r[0].rule))),
        Column(N_("Severity"), lambda r: gettext(SEVERITIES[r[0].severity]) if r[0].severity in SEVERITIES
               else r[0].severity),
        Column(N_("Message"), lambda r: message(r[0].message, r[0].params), width=40),
        Column(N_("Firm"), lambda r: r[1]),
        Column(N_("District"), lambda r: _district(r[0].district_code)),
        Column(N_("State"), lambda r: states[alerts.state_of(r[0])]),
        Column(N_("Closed"), lambda r: r[0].closed_at, "datetime"),
        Column(N_("Acknowledged"), lambda r: r[0].acknowledged_at, "datetime"),
        Column(N_("Note"), lambda r: r[0].ack_note, width=30),
    )


def alert_rows(actor: Actor, f: alerts.AlertFilter, firm_names: dict[int, str]) -> Iterator[tuple]:
    for batch in _batches(alerts.filtered_alerts(actor, f)):
        yield from ((a, firm_names.get(a.firm_id, "")) for a in batch)


def _district(code: str | None) -> str:
    from portal.web.templating import district_label

    return district_label(code)


def inspection_columns(gettext: Translate) -> tuple[Column, ...]:
    return (
        Column(N_("Firm"), lambda r: r[1]),
        Column(N_("District"), lambda r: _district(r[0].district_code)),
        Column(N_("Inspection method"), lambda r: gettext(N_("Random draw") if r[0].kind == "random" else N_("Planned by hand"))),
        Column(N_("Status"), lambda r: gettext(INSPECTION.state_label(r[0].status))),
        Column(N_("Planned on"), lambda r: r[0].planned_on, "date"),
        Column(N_("Inspectors"), lambda r: r[2]),
        Column(N_("Refused"), lambda r: gettext(N_("Yes")) if r[0].refused else ""),
        Column(N_("Results published"), lambda r: gettext(N_("Yes")) if r[0].published else ""),
    )


def inspection_rows(actor: Actor, f: inspections.InspectionFilter) -> Iterator[tuple]:
    for batch in _batches(inspections.filtered_inspections(actor, f)):
        firms, users = inspections.names_for(batch)
        for i in batch:
            inspectors = ", ".join(users.get(u, "") for u in (i.inspector1_id, i.inspector2_id) if u)
            yield i, firms.get(i.firm_id, ""), inspectors


def rectification_columns(gettext: Translate) -> tuple[Column, ...]:
    return (
        Column(N_("Number"), lambda r: r[0].number),
        Column(N_("Firm"), lambda r: r[1]),
        Column(N_("District"), lambda r: _district(r[0].district_code)),
        Column(N_("Status"), lambda r: gettext(RECTIFICATION.state_label(r[0].status))),
        Column(N_("Issued"), lambda r: r[0].issued_at, "datetime"),
        Column(N_("Deadline"), lambda r: r[0].deadline, "date"),
        Column(N_("Closed"), lambda r: r[0].closed_at, "datetime"),
    )


def rectification_rows(actor: Actor, f: rectification.OrderFilter) -> Iterator[tuple]:
    for batch in _batches(rectification.filtered_orders(actor, f)):
        names = rectification.firm_names(o.firm_id for o in batch)
        yield from ((o, names.get(o.firm_id, "")) for o in batch)


RECEIPT_COLUMNS = (
    Column(N_("Recipient"), lambda r: r[1]),
    Column(N_("District"), lambda r: _district(r[2])),
    Column(N_("Read"), lambda r: r[0].read_at, "datetime"),
    Column(N_("Read by"), lambda r: r[3]),
    Column(N_("Acknowledged"), lambda r: r[0].acknowledged_at, "datetime"),
    Column(N_("Acknowledged by"), lambda r: r[4]),
    Column(N_("Reminded"), lambda r: r[0].reminded_at, "datetime"),
)


def receipt_rows(query: Select) -> Iterator[tuple]:
    """(receipt, firm or agency name, district, read by, acknowledged by) for each row of `notices.receipts_query`."""
    for batch in _batches(query, scalars=False):
        ids = {i for r in batch for i in (r[0].read_by_id, r[0].acknowledged_by_id) if i}
        names = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}
        for receipt, firm_name, district in batch:
            yield (receipt, firm_name, district, names.get(receipt.read_by_id, ""),
                   names.get(receipt.acknowledged_by_id, ""))
