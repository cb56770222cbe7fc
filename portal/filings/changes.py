"""Change filings (变更报备): staff, site, scope/quantities or schedule changed on a registered project.

The project goes on while the change is reviewed; the change stores the values before and after so
the regulator sees the difference side by side, and an approved change is applied to the filing.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.core import access, clock, inbox, timeline, transactions
from portal.core.constants import QUANTITY_UNITS
from portal.core.context import Actor, current_actor
from portal.core.errors import InvalidState, NotFound, ValidationFailed
from portal.core.msgids import N_
from portal.core.workflows import CHANGE_FILING
from portal.extensions import db
from portal.filings import fields
from portal.filings import service as filings
from portal.filings import submission as filing_rules
from portal.filings.models import ChangeFiling, ProjectFiling
from portal.firms.models import StaffMember

OBJECT_TYPE = "change_filing"
OPEN_STATES = ("submitted", "under_review", "returned")
CHANGE_TYPES = {
    "staff": N_("Staff"),
    "site": N_("Site"),
    "scope": N_("Scope and quantities"),
    "schedule": N_("Schedule"),
}
# Labels of the side-by-side view: the declared filing fields, plus what a change holds besides them.
FIELD_LABELS = {
    **{spec.name: spec.label for spec in fields.FIELDS},
    "staff": N_("Assigned staff"),
    "effective_date": N_("Change takes effect on"),
    **{f"qty_{unit}": label for unit, label in QUANTITY_UNITS.items()},
}
SAME_AS_CURRENT = N_("The proposed values are the same as the current ones.")
NOTIFY_MESSAGE = N_("Change filing for %(number)s (%(type)s): %(action)s; it is now %(state)s.")


def snapshot(filing: ProjectFiling, change_type: str) -> dict:
    """The filing's current values for one kind of change, JSON-safe."""
    if change_type == "staff":
        return {"staff": [{"id": m.id, "name": m.name} for m in sorted(filing.staff, key=lambda m: m.id)]}
    if change_type == "site":
        return {"site_type": filing.site_type, "site_address": filing.site_address or "",
                "off_site_reason": filing.off_site_reason or "", "off_site_safeguards": filing.off_site_safeguards or ""}
    if change_type == "scope":
        return {"contract_scope": filing.contract_scope or "", "quantities": dict(filing.quantities or {})}
    if change_type == "schedule":
        return {"start_date": _iso(filing.start_date), "end_date": _iso(filing.end_date)}
    raise ValidationFailed({"change_type": [N_("Choose what changes.")]})


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def _proposed(filing: ProjectFiling, change_type: str, data: dict) -> dict:
    """Validate the proposed values and return them in snapshot form."""
    errors: dict[str, list] = {}
    if change_type == "staff":
        ids = sorted({int(i) for i in data.get("staff_ids") or []})
        members = list(db.session.scalars(select(StaffMember).where(StaffMember.id.in_(ids)))) if ids else []
        if len(members) != len(ids) or any(m.firm_id != filing.firm_id for m in members):
            raise ValidationFailed({"staff_ids": [N_("Choose staff from the firm's active roster only.")]})
        problems = filing_rules.staff_problems(filing.firm_id, members)
        if problems:
            raise ValidationFailed({"staff_ids": problems})
        return {"staff": [{"id": m.id, "name": m.name} for m in sorted(members, key=lambda m: m.id)]}
    if change_type == "site":
        site_type = data.get("site_type") if data.get("site_type") in ("agency_premises", "off_site") else "agency_premises"
        after = {"site_type": site_type, "site_address": (data.get("site_address") or "").strip(),
                 "off_site_reason": (data.get("off_site_reason") or "").strip(),
                 "off_site_safeguards": (data.get("off_site_safeguards") or "").strip()}
        if site_type == "off_site":
            for key, msgid in (("site_address", N_("Give the address of the off-site premises.")),
                               ("off_site_reason", N_("Explain why the work is done off the agency's premises.")),
                               ("off_site_safeguards", N_("Describe the safeguards for off-site work."))):
                if not after[key]:
                    errors[key] = [msgid]
        if errors:
            raise ValidationFailed(errors)
        return after
    if change_type == "scope":
        scope = (data.get("contract_scope") or "").strip()
        quantities = filings._clean_quantities(data.get("quantities"))
        if not scope:
            errors["contract_scope"] = [N_("Fill in the service scope of the contract.")]
        if not quantities:
            errors["qty_volumes"] = [N_("Give the quantity of archives in at least one unit.")]
        if errors:
            raise ValidationFailed(errors)
        return {"contract_scope": scope, "quantities": quantities}
    if change_type == "schedule":
        start, end = data.get("start_date"), data.get("end_date")
        if not isinstance(start, date):
            errors["start_date"] = [N_("Give the start date.")]
        if not isinstance(end, date):
            errors["end_date"] = [N_("Give the end date.")]
        if not errors and end < start:
            errors["end_date"] = [N_("The end date must not be before the start date.")]
        if errors:
            raise ValidationFailed(errors)
        return {"start_date": start.isoformat(), "end_date": end.isoformat()}
    raise ValidationFailed({"change_type": [N_("Choose what changes.")]})


def proposal(change: ChangeFiling) -> dict:
    """The change's proposed values in the shape of the change form, so editing a returned change
    starts from what was proposed (not from the project's current values)."""
    after = dict(change.after or {})
    values: dict = {}
    if "staff" in after:
        values["staff_ids"] = [entry["id"] for entry in after["staff"]]
    for key in ("site_type", "site_address", "off_site_reason", "off_site_safeguards", "contract_scope"):
        if key in after:
            values[key] = after[key]
    if "quantities" in after:
        values.update({f"qty_{unit}": after["quantities"].get(unit) for unit in filings.UNITS})
    for key in ("start_date", "end_date", "effective_date"):
        if after.get(key):
            values[key] = date.fromisoformat(after[key])
    return values


def _same_as_current(filing: ProjectFiling, change_type: str, after: dict) -> bool:
    proposed = {key: value for key, value in after.items() if key != "effective_date"}
    return proposed == snapshot(filing, change_type)


def _apply(filing: ProjectFiling, change: ChangeFiling) -> None:
    after = change.after
    if change.change_type == "staff":
        ids = [entry["id"] for entry in after.get("staff", [])]
        filing.staff = list(db.session.scalars(select(StaffMember).where(StaffMember.id.in_(ids)))) if ids else []
    elif change.change_type == "site":
        for key in ("site_type", "site_address", "off_site_reason", "off_site_safeguards"):
            setattr(filing, key, after.get(key, ""))
    elif change.change_type == "scope":
        filing.contract_scope = after.get("contract_scope", "")
        filing.quantities = dict(after.get("quantities", {}))
    elif change.change_type == "schedule":
        filing.start_date = date.fromisoformat(after["start_date"])
        filing.end_date = date.fromisoformat(after["end_date"])


def _notify(filing: ProjectFiling, change: ChangeFiling, action_label: str, row_id: int) -> None:
    ids = set(inbox.users_of_firm(filing.firm_id)) | set(inbox.users_of_agency(filing.agency_id))
    ids.update(filings.regulators_for(filing.district_code))
    ids.discard(current_actor().user_id)
    inbox.notify(ids, NOTIFY_MESSAGE,
                 {"number": filing.number or "", "type": f"msg:{CHANGE_TYPES[change.change_type]}",
                  "action": f"msg:{action_label}", "state": f"msg:{CHANGE_FILING.states[change.status]}"},
                 link=f"/filings/changes/{change.id}", dedupe=f"change:{change.id}:{row_id}")


def _effective(data: dict) -> date:
    value = data.get("effective_date")
    return value if isinstance(value, date) else clock.today()


def submit_change(filing_id: int, change_type: str, data: dict, reason: str, *, version=None) -> ChangeFiling:
    """File a change on a registered or running project (vendor of the filing's firm)."""
    actor = current_actor()
    filings._require_vendor(actor)
    filing = filings.get_filing(actor, filing_id)
    transactions.check_version(filing, version)
    if filing.status not in filings.ACTIVE_STATES:
        raise InvalidState(N_("Changes can be filed only on a registered project or one in progress."))
    if change_type not in CHANGE_TYPES:
        raise ValidationFailed({"change_type": [N_("Choose what changes.")]})
    if not (reason or "").strip():
        raise ValidationFailed({"reason": [N_("Explain the reason for the change.")]})
    open_same = db.session.scalar(select(ChangeFiling.id).where(
        ChangeFiling.filing_id == filing.id, ChangeFiling.change_type == change_type,
        ChangeFiling.status.in_(OPEN_STATES)))
    if open_same is not None:
        raise ValidationFailed({"change_type": [N_("A change of this kind is already being reviewed; wait for its decision or edit it.")]})
    before = snapshot(filing, change_type)
    after = _proposed(filing, change_type, data)
    if _same_as_current(filing, change_type, after):
        raise ValidationFailed({"": [SAME_AS_CURRENT]})
    effective = _effective(data)
    after["effective_date"] = effective.isoformat()
    change = ChangeFiling(filing_id=filing.id, change_type=change_type, status="submitted", before=before,
                          after=after, reason=reason.strip(), submitted_by_id=actor.user_id,
                          # A change filed after it took effect was not re-filed in time.
                          is_late=effective < clock.today())
    db.session.add(change)
    db.session.flush()
    row = timeline.record_transition(OBJECT_TYPE, change, "submit", None, "submitted", reason.strip(),
                                     {"filing_id": filing.id, "change_type": change_type})
    db.session.flush()
    _notify(filing, change, N_("Submit"), row.id)
    transactions.commit()
    return change


def visible_changes(actor: Actor | None = None):
    actor = actor or current_actor()
    return select(ChangeFiling).where(access.visible(actor, ChangeFiling))


def get_change(actor: Actor | None, change_id: int) -> tuple[ChangeFiling, ProjectFiling]:
    actor = actor or current_actor()
    change = db.session.scalar(visible_changes(actor).where(ChangeFiling.id == change_id))
    if change is None:
        raise NotFound()
    return change, filings.get_filing(actor, change.filing_id)


def changes_of(filing: ProjectFiling) -> list[ChangeFiling]:
    return list(db.session.scalars(select(ChangeFiling).where(ChangeFiling.filing_id == filing.id)
                                   .order_by(ChangeFiling.created_at.desc(), ChangeFiling.id.desc())))


def decide_change(change_id: int, action: str, *, reason: str = "", version=None) -> ChangeFiling:
    """Regulator: start review, approve (applied to the filing at once) or return with reason."""
    actor = current_actor()
    change, filing = get_change(actor, change_id)
    transactions.check_version(change, version)
    transition = CHANGE_FILING.resolve(change.status, action, actor.roles, reason)
    if action == "resubmit":
        raise InvalidState(N_("A returned change is resubmitted from its edit form."))
    from_state = change.status
    change.status = transition.to_state
    if transition.to_state in ("approved", "returned"):
        change.decided_by_id = actor.user_id
        change.decided_at = clock.utcnow()
        change.decision_reason = reason or ""
    if transition.to_state == "approved":
        if filing.status not in filings.ACTIVE_STATES:
            raise InvalidState(N_("The project is no longer registered or in progress; the change cannot be applied."))
        if _same_as_current(filing, change.change_type, change.after or {}):
            raise InvalidState(N_("This change proposes the project's current values; return it instead of approving it."))
        _apply(filing, change)
    db.session.flush()
    row = timeline.record_transition(OBJECT_TYPE, change, action, from_state, transition.to_state, reason or "",
                                     {"filing_id": filing.id})
    db.session.flush()
    _notify(filing, change, transition.label, row.id)
    transactions.commit()
    return change


def resubmit_change(change_id: int, data: dict, reason: str, *, version=None) -> ChangeFiling:
    """Vendor: correct a returned change and send it back for review."""
    actor = current_actor()
    filings._require_vendor(actor)
    change, filing = get_change(actor, change_id)
    transactions.check_version(change, version)
    transition = CHANGE_FILING.resolve(change.status, "resubmit", actor.roles)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": [N_("Explain the reason for the change.")]})
    after = _proposed(filing, change.change_type, data)
    if _same_as_current(filing, change.change_type, after):
        raise ValidationFailed({"": [SAME_AS_CURRENT]})
    effective = _effective(data)
    after["effective_date"] = effective.isoformat()
    change.before = snapshot(filing, change.change_type)
    change.after = after
    change.reason = reason.strip()
    change.is_late = change.is_late or effective < clock.today()
    change.status = transition.to_state
    db.session.flush()
    row = timeline.record_transition(OBJECT_TYPE, change, "resubmit", "returned", transition.to_state, reason.strip(),
                                     {"filing_id": filing.id})
    db.session.flush()
    _notify(filing, change, transition.label, row.id)
    transactions.commit()
    return change


def _display(value) -> str:
    if isinstance(value, list):
        return ", ".join(entry.get("name", str(entry)) if isinstance(entry, dict) else str(entry) for entry in value)
    return "" if value is None else str(value)


def diff(change: ChangeFiling) -> list[dict]:
    """Rows (label msgid, before, after, changed) for the side-by-side view."""
    before, after = dict(change.before or {}), dict(change.after or {})
    for side in (before, after):
        quantities = side.pop("quantities", None)
        if quantities is not None:
            for unit in QUANTITY_UNITS:
                side[f"qty_{unit}"] = quantities.get(unit, "")
    rows = []
    for key in list(dict.fromkeys([*before, *after])):
        old, new = _display(before.get(key, "")), _display(after.get(key, ""))
        rows.append({"key": key, "label": FIELD_LABELS.get(key, key), "before": old, "after": new,
                     "changed": old != new})
    return rows
