"""Inspections (检查): checklists, planning by hand or by weighted random draw, results, publication."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, func, select

from portal.auth.models import User
from portal.core import access, audit, clock, docnumbers, inbox, timeline, transactions
from portal.core import uploads as attachments
from portal.core.access import in_jurisdiction, regulators_of, require_supervisor, scoped
from portal.core.constants import SERVICE_TYPES
from portal.core.context import Actor
from portal.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from portal.core.models import Attachment
from portal.core.msgids import N_
from portal.core.pagination import Page, paginate
from portal.core.quarters import parse_quarter
from portal.core.workflows import INSPECTION
from portal.extensions import db
from portal.filings.models import ProjectFiling
from portal.firms.models import Firm
from portal.supervision import rules as supervision_rules
from portal.supervision.checklists import default_items
from portal.supervision.draw import Candidate, DrawError, DrawResult, draw, new_seed
from portal.supervision.models import (
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionDraw,
    InspectionResult,
)

DRAWABLE_FIRM_STATUSES = ("active", "expiring", "recheck_submitted", "suspended")
DRAWABLE_FILING_STATUSES = ("registered", "in_progress")
RESULTS = ("pass", "fail", "na")


# --- checklists ----------------------------------------------------------------------------------------

def ensure_default_templates() -> int:
    """Create version 1 of a checklist for every service type that has none; returns how many were made."""
    have = set(db.session.scalars(select(ChecklistTemplate.service_type).distinct()))
    made = 0
    for service_type, label in SERVICE_TYPES.items():
        if service_type in have:
            continue
        template = ChecklistTemplate(service_type=service_type, name=label, version=1, active=True)
        db.session.add(template)
        db.session.flush()
        for position, (code, text, basis, is_security) in enumerate(default_items(service_type)):
            db.session.add(ChecklistItem(template_id=template.id, code=code, text=text, basis=basis,
                                         is_security=is_security, position=position))
        made += 1
    db.session.flush()
    return made


def unsaved_default_templates() -> list[ChecklistTemplate]:
    """The built-in checklist of each service type that has none stored yet, unsaved (no id): a page can
    show them without writing; the first inspection of the type, or the lead's save, stores them."""
    have = set(db.session.scalars(select(ChecklistTemplate.service_type).distinct()))
    return [ChecklistTemplate(service_type=service_type, name=label, version=1, active=True)
            for service_type, label in SERVICE_TYPES.items() if service_type not in have]


def save_default_templates(actor: Actor) -> int:
    """The lead stores the built-in checklists (to edit them before any inspection used them)."""
    if "lead" not in actor.roles:
        raise NotAllowed()
    made = ensure_default_templates()
    transactions.commit()
    return made


def list_templates(actor: Actor) -> list[ChecklistTemplate]:
    require_supervisor(actor)
    return list(db.session.scalars(
        select(ChecklistTemplate).order_by(ChecklistTemplate.service_type, ChecklistTemplate.version.desc())))


def get_template(actor: Actor, template_id: int) -> ChecklistTemplate:
    require_supervisor(actor)
    template = db.session.get(ChecklistTemplate, template_id)
    if template is None:
        raise NotFound()
    return template


def template_items(template_id: int) -> list[ChecklistItem]:
    return list(db.session.scalars(
        select(ChecklistItem).where(ChecklistItem.template_id == template_id).order_by(ChecklistItem.position)))


def active_template(service_type: str) -> ChecklistTemplate | None:
    return db.session.scalar(
        select(ChecklistTemplate).where(ChecklistTemplate.service_type == service_type,
                                        ChecklistTemplate.active.is_(True))
        .order_by(ChecklistTemplate.version.desc()).limit(1))


@dataclass
class ItemInput:
    code: str
    text: str
    basis: str = ""
    is_security: bool = False


def edit_template(actor: Actor, template_id: int, name: str, items: list[ItemInput]) -> ChecklistTemplate:
    """The lead edits a checklist: a new version is written and becomes the active one (old kept)."""
    if "lead" not in actor.roles:
        raise NotAllowed()
    old = get_template(actor, template_id)
    items = [i for i in items if i.text.strip()]
    if not items:
        raise ValidationFailed({"items": [N_("A checklist needs at least one item.")]})
    codes = [i.code.strip() for i in items]
    if len(set(codes)) != len(codes) or any(not c for c in codes):
        raise ValidationFailed({"items": [N_("Every item needs its own code.")]})
    latest = db.session.scalar(select(func.max(ChecklistTemplate.version))
                               .where(ChecklistTemplate.service_type == old.service_type)) or 0
    db.session.execute(ChecklistTemplate.__table__.update()
                       .where(ChecklistTemplate.service_type == old.service_type).values(active=False))
    new = ChecklistTemplate(service_type=old.service_type, name=name.strip() or old.name, version=latest + 1,
                            active=True)
    db.session.add(new)
    db.session.flush()
    for position, item in enumerate(items):
        db.session.add(ChecklistItem(template_id=new.id, code=item.code.strip(), text=item.text.strip(),
                                     basis=item.basis.strip(), is_security=item.is_security, position=position))
    audit.record("checklist.new_version", "checklist_template", new.id,
                 detail={"service_type": new.service_type, "version": new.version, "from": old.id})
    transactions.commit()
    return new


# --- scoping -------------------------------------------------------------------------------------------

def visible_inspections(actor: Actor) -> Select:
    """The inspections the actor may see (portal.core.access)."""
    return select(Inspection).where(access.visible(actor, Inspection))


def get_inspection(actor: Actor, inspection_id: int) -> Inspection:
    return access.get_visible(actor, Inspection, inspection_id)


UPCOMING = ("planned", "notified")


@dataclass
class InspectionFilter:
    status: str = ""
    kind: str = ""
    firm_id: int | None = None
    district: str = ""
    published: str = ""
    quarter: str = ""  # planned in this quarter (2026Q3)


def filtered_inspections(actor: Actor, f: InspectionFilter) -> Select:
    stmt = visible_inspections(actor)
    if f.status == "upcoming":  # planned or notified, not yet checked (the dashboard's "planned")
        stmt = stmt.where(Inspection.status.in_(UPCOMING))
    elif f.status in INSPECTION.states:
        stmt = stmt.where(Inspection.status == f.status)
    if f.kind in ("planned", "random"):
        stmt = stmt.where(Inspection.kind == f.kind)
    if f.firm_id:
        stmt = stmt.where(Inspection.firm_id == f.firm_id)
    if f.district:
        stmt = stmt.where(Inspection.district_code == f.district)
    if f.published in ("yes", "no"):
        stmt = stmt.where(Inspection.published.is_(f.published == "yes"))
    bounds = parse_quarter(f.quarter)
    if bounds:
        stmt = stmt.where(Inspection.planned_on >= bounds[0], Inspection.planned_on <= bounds[1])
    return stmt.order_by(Inspection.planned_on.desc(), Inspection.id.desc())


def list_inspections(actor: Actor, f: InspectionFilter, page: int | None) -> Page:
    return paginate(filtered_inspections(actor, f), page)


def names_for(inspections: list[Inspection]) -> tuple[dict[int, str], dict[int, str]]:
    """(firm id → name, user id → display name) for a page of inspections, in two queries."""
    firm_ids = {i.firm_id for i in inspections}
    user_ids = {u for i in inspections for u in (i.inspector1_id, i.inspector2_id) if u}
    firms = dict(db.session.execute(select(Firm.id, Firm.name).where(Firm.id.in_(firm_ids))).all()) if firm_ids else {}
    users = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all()) if user_ids else {}
    return firms, users


# --- planning ------------------------------------------------------------------------------------------

def _firm_in_jurisdiction(actor: Actor, firm_id: int) -> Firm:
    firm = db.session.get(Firm, firm_id)
    if firm is None or not in_jurisdiction(actor, firm.district_code):
        raise NotFound()
    return firm


def _check_inspectors(actor: Actor, district_code: str, ids: tuple[int | None, int | None]) -> None:
    allowed = set(inspector_pool(actor.district_code)[0]) | set(inspector_pool(district_code)[0])
    chosen = [i for i in ids if i]
    if len(chosen) != 2 or chosen[0] == chosen[1]:
        raise ValidationFailed({"inspector2_id": [N_("Choose two different inspectors.")]})
    if not set(chosen) <= allowed:
        raise ValidationFailed({"inspector1_id": [N_("Inspectors must be regulators of the jurisdiction.")]})


def _service_type_of(firm: Firm, filing: ProjectFiling | None) -> str:
    types = (filing.service_types if filing is not None else None) or firm.service_types or ["digitisation"]
    return "digitisation" if "digitisation" in types else types[0]


def plan_inspection(actor: Actor, firm_id: int, planned_on: date, inspector1_id: int | None,
                    inspector2_id: int | None, filing_id: int | None = None,
                    service_type: str | None = None, *, filing_number: str | None = None) -> Inspection:
    """Plan an inspection by hand (kind "planned"), optionally of one project, named by its filing
    number (LZWB-…, what people see on receipts and lists) or, from code, by its id."""
    require_supervisor(actor)
    firm = _firm_in_jurisdiction(actor, firm_id)
    filing = None
    field = "filing_number" if filing_number is not None else "filing_id"
    if filing_number is not None and filing_number.strip():
        filing = db.session.scalar(select(ProjectFiling).where(
            ProjectFiling.number == filing_number.strip().upper(), access.visible(actor, ProjectFiling)))
        if filing is None:
            raise ValidationFailed({field: [(N_("No project filing numbered %(number)s that you may see."),
                                             {"number": filing_number.strip()})]})
    elif filing_id:
        filing = db.session.scalar(select(ProjectFiling).where(
            ProjectFiling.id == filing_id, access.visible(actor, ProjectFiling)))
    if filing is not None or filing_id:
        if filing is None or filing.firm_id != firm.id:
            raise ValidationFailed({field: [N_("The project does not belong to this firm.")]})
    district = filing.district_code if filing is not None else firm.district_code
    _check_inspectors(actor, district, (inspector1_id, inspector2_id))
    inspection = _new_inspection(firm, filing, "planned", planned_on, (inspector1_id, inspector2_id), None,
                                 service_type)
    transactions.commit()
    return inspection


def _new_inspection(firm: Firm, filing: ProjectFiling | None, kind: str, planned_on: date,
                    inspectors: tuple, draw_id: int | None, service_type: str | None = None) -> Inspection:
    ensure_default_templates()
    template = active_template(service_type or _service_type_of(firm, filing))
    inspection = Inspection(
        firm_id=firm.id, filing_id=filing.id if filing is not None else None,
        district_code=filing.district_code if filing is not None else firm.district_code,
        draw_id=draw_id, template_id=template.id if template else None, kind=kind, status="planned",
        planned_on=planned_on, inspector1_id=inspectors[0], inspector2_id=inspectors[1],
    )
    db.session.add(inspection)
    db.session.flush()
    timeline.record_transition("inspection", inspection, "plan", None, "planned",
                               audit_detail={"firm_id": firm.id, "kind": kind, "draw_id": draw_id})
    return inspection


def draw_candidates(actor: Actor, target: str) -> list[Candidate]:
    """Everything in the jurisdiction that may be drawn, with its weight (the firm's inspection weight)."""
    require_supervisor(actor)
    if target == "filing":
        stmt = (select(ProjectFiling.id, Firm.inspection_weight)
                .join(Firm, Firm.id == ProjectFiling.firm_id)
                .where(ProjectFiling.status.in_(DRAWABLE_FILING_STATUSES)))
        stmt = scoped(stmt, actor, ProjectFiling.district_code).order_by(ProjectFiling.id)
    else:
        stmt = select(Firm.id, Firm.inspection_weight).where(Firm.status.in_(DRAWABLE_FIRM_STATUSES))
        stmt = scoped(stmt, actor, Firm.district_code).order_by(Firm.id)
    return [Candidate(f"{target}:{oid}", str(weight if weight is not None else 1))
            for oid, weight in db.session.execute(stmt)]


def candidate_names(keys) -> dict[str, str]:
    """Draw candidate keys ("firm:17", "filing:40") → the firm's name or the project's number and title,
    one query per kind, so a draw page names every candidate whatever their number."""
    ids: dict[str, set[int]] = {"firm": set(), "filing": set()}
    for key in keys:
        kind, _sep, ident = str(key).partition(":")
        if kind in ids and ident.isdigit():
            ids[kind].add(int(ident))
    names: dict[str, str] = {}
    if ids["firm"]:
        names.update((f"firm:{i}", name) for i, name in
                     db.session.execute(select(Firm.id, Firm.name).where(Firm.id.in_(ids["firm"]))))
    if ids["filing"]:
        names.update((f"filing:{i}", f"{number or ''} {title}".strip()) for i, number, title in db.session.execute(
            select(ProjectFiling.id, ProjectFiling.number, ProjectFiling.title)
            .where(ProjectFiling.id.in_(ids["filing"]))))
    return names


def inspector_pool(district_code: str | None) -> tuple[list[int], str]:
    """Regulators a draw picks inspectors from: the district office's own, topped up with the city
    office's (which supervises every district) when the district has fewer than two."""
    own = regulators_of(district_code)
    if district_code and len(own) < 2:
        return sorted(set(own) | set(regulators_of(None))), "district+city"
    return own, "district" if district_code else "city"


def random_draw(actor: Actor, n: int, target: str = "firm", planned_on: date | None = None,
                seed: str | None = None) -> InspectionDraw:
    """双随机: draw n firms or projects by weight and two inspectors each; store seed and candidates."""
    require_supervisor(actor)
    if target not in ("firm", "filing"):
        raise ValidationFailed({"target": [N_("Choose firms or projects.")]})
    candidates = draw_candidates(actor, target)
    inspectors, pool = inspector_pool(actor.district_code)
    seed = seed or new_seed()
    try:
        result = draw(seed, candidates, n, inspectors)
    except DrawError as exc:
        raise ValidationFailed({"n": [exc.args[0]]}) from exc
    record = InspectionDraw(
        seed=seed, params={"n": n, "target": target, "inspectors_per_target": 2, "pool": pool},
        candidates=[{"key": c.key, "weight": str(c.weight)} for c in candidates],
        inspectors=inspectors, chosen=list(result.chosen), district_code=actor.district_code,
        created_by_id=actor.user_id,
    )
    db.session.add(record)
    db.session.flush()
    planned_on = planned_on or clock.today() + timedelta(days=14)
    ids = [int(key.split(":")[1]) for key in result.chosen]
    if target == "filing":
        filings = {f.id: f for f in db.session.scalars(select(ProjectFiling).where(ProjectFiling.id.in_(ids)))}
        firms = {f.id: f for f in db.session.scalars(
            select(Firm).where(Firm.id.in_({f.firm_id for f in filings.values()})))}
        targets = [(firms[filings[i].firm_id], filings[i]) for i in ids]
    else:
        firms = {f.id: f for f in db.session.scalars(select(Firm).where(Firm.id.in_(ids)))}
        targets = [(firms[i], None) for i in ids]
    for firm, filing in targets:
        _new_inspection(firm, filing, "random", planned_on, result.inspectors, record.id)
    audit.record("inspection.draw", "inspection_draw", record.id,
                 detail={"seed": seed, "n": n, "target": target, "candidates": len(candidates),
                         "chosen": list(result.chosen), "inspectors": list(result.inspectors)})
    transactions.commit()
    return record


def get_draw(actor: Actor, draw_id: int) -> InspectionDraw:
    require_supervisor(actor)
    return access.get_visible(actor, InspectionDraw, draw_id)


def draw_of(actor: Actor, inspection) -> InspectionDraw | None:
    """The draw an inspection came from, if the actor may open it (a district office does not see the city
    office's draws, so the inspection page must not link to one)."""
    if inspection.draw_id is None:
        return None
    draw = db.session.get(InspectionDraw, inspection.draw_id)
    return draw if access.can_see(actor, draw) else None


@dataclass
class Rerun:
    draw: InspectionDraw
    result: DrawResult
    stored_inspectors: tuple[int, ...]
    matches: bool


def rerun_draw(actor: Actor, draw_id: int) -> Rerun:
    """Recompute a draw from its stored seed and candidate list and compare with what was stored."""
    record = get_draw(actor, draw_id)
    candidates = [Candidate(c["key"], c["weight"]) for c in record.candidates]
    result = draw(record.seed, candidates, int(record.params["n"]), record.inspectors,
                  int(record.params.get("inspectors_per_target", 2)))
    stored = tuple(db.session.execute(
        select(Inspection.inspector1_id, Inspection.inspector2_id).where(Inspection.draw_id == record.id).limit(1)
    ).first() or ())
    matches = list(result.chosen) == list(record.chosen) and (not stored or tuple(result.inspectors) == stored)
    audit.record("inspection.draw_rerun", "inspection_draw", record.id, detail={"matches": matches})
    transactions.commit()
    return Rerun(record, result, stored, matches)


# --- carrying out --------------------------------------------------------------------------------------

def notify_firm(actor: Actor, inspection_id: int, version: str | int | None = None) -> Inspection:
    inspection = get_inspection(actor, inspection_id)
    require_supervisor(actor)
    transactions.check_version(inspection, version)
    t = INSPECTION.resolve(inspection.status, "notify", actor.roles)
    timeline.record_transition("inspection", inspection, t.action, inspection.status, t.to_state)
    inspection.status = t.to_state
    inbox.notify(inbox.users_of_firm(inspection.firm_id),
                 N_("An inspection of your firm is planned for %(date)s"),
                 {"date": inspection.planned_on.isoformat() if inspection.planned_on else ""})
    transactions.commit()
    return inspection


def results_of(inspection_id: int) -> dict[int, InspectionResult]:
    return {r.item_id: r for r in db.session.scalars(
        select(InspectionResult).where(InspectionResult.inspection_id == inspection_id))}


@dataclass
class ItemResult:
    item_id: int
    result: str
    note: str = ""


def record_results(actor: Actor, inspection_id: int, results: list[ItemResult], findings: str = "",
                   version: str | int | None = None) -> Inspection:
    """Record every checklist item (pass / fail / not applicable) and move the inspection to checked."""
    inspection = get_inspection(actor, inspection_id)
    require_supervisor(actor)
    transactions.check_version(inspection, version)
    items = {i.id: i for i in template_items(inspection.template_id)} if inspection.template_id else {}
    given = {r.item_id: r for r in results if r.result}
    errors = [N_("Record a result for every item.")] if set(given) != set(items) else []
    for r in given.values():
        if r.result not in RESULTS or r.item_id not in items:
            errors = [N_("Record a result for every item.")]
        elif r.result == "fail" and not r.note.strip():
            errors = [N_("Describe what failed for every failed item.")]
    if errors:
        raise ValidationFailed({"": errors})
    t = INSPECTION.resolve(inspection.status, "record_results", actor.roles)
    existing = results_of(inspection.id)
    for item_id, r in given.items():
        row = existing.get(item_id) or InspectionResult(inspection_id=inspection.id, item_id=item_id)
        row.result, row.note, row.is_security = r.result, r.note.strip(), items[item_id].is_security
        db.session.add(row)
    inspection.findings = findings.strip()
    inspection.checked_at = clock.utcnow()
    timeline.record_transition("inspection", inspection, t.action, inspection.status, t.to_state,
                               audit_detail={"failed": sum(1 for r in given.values() if r.result == "fail")})
    inspection.status = t.to_state
    docnumbers.allocate(docnumbers.INSPECTION, inspection.id, clock.today())  # 检查记录
    transactions.commit()
    return inspection


def record_refusal(actor: Actor, inspection_id: int, note: str) -> Inspection:
    """The firm refused the inspection: recorded as checked with `refused`, which scoring treats as a veto."""
    inspection = get_inspection(actor, inspection_id)
    require_supervisor(actor)
    if not note.strip():
        raise ValidationFailed({"note": [N_("Describe how the inspection was refused.")]})
    t = INSPECTION.resolve(inspection.status, "record_results", actor.roles)
    timeline.record_transition("inspection", inspection, "refused", inspection.status, t.to_state, reason=note)
    inspection.status = t.to_state
    inspection.refused = True
    inspection.findings = note.strip()
    inspection.checked_at = clock.utcnow()
    transactions.commit()
    return inspection


def can_pass_inspection(inspection: Inspection, results: dict[int, InspectionResult] | None = None) -> bool:
    """Whether "pass" may be offered and accepted: the pure rule over the recorded results (a page that has
    already read them with `results_of` passes them in rather than reading them again)."""
    if results is None:
        results = results_of(inspection.id)
    return supervision_rules.can_pass((r.result for r in results.values()), inspection.refused)


def conclude(actor: Actor, inspection_id: int, action: str, version: str | int | None = None) -> Inspection:
    """checked → passed (no failed item, not refused) or → rectification required."""
    inspection = get_inspection(actor, inspection_id)
    require_supervisor(actor)
    transactions.check_version(inspection, version)
    if action == "pass" and not can_pass_inspection(inspection):
        raise ValidationFailed({"": [N_("An inspection with failed items cannot pass; require rectification.")]})
    t = INSPECTION.resolve(inspection.status, action, actor.roles)
    timeline.record_transition("inspection", inspection, t.action, inspection.status, t.to_state)
    inspection.status = t.to_state
    transactions.commit()
    return inspection


def publish(actor: Actor, inspection_id: int) -> Inspection:
    """The lead releases a concluded inspection's result to the public directory."""
    if "lead" not in actor.roles:
        raise NotAllowed()
    inspection = get_inspection(actor, inspection_id)
    if inspection.status not in ("passed", "rectification_required", "closed"):
        raise Conflict(N_("Only a concluded inspection can be published."))
    inspection.published = True
    inspection.published_at = clock.utcnow()
    audit.record("inspection.publish", "inspection", inspection.id)
    transactions.commit()
    return inspection


def add_photo(actor: Actor, inspection_id: int, data: bytes, filename: str) -> Attachment:
    inspection = get_inspection(actor, inspection_id)
    require_supervisor(actor)
    attachment = attachments.save_upload(data, filename, owner_type="inspection", owner_id=inspection.id,
                                         kind="photo", firm_id=inspection.firm_id, field="photo",
                                         kinds=attachments.IMAGES)
    transactions.commit()
    return attachment


def photos_of(inspection_id: int) -> list[Attachment]:
    return list(db.session.scalars(select(Attachment).where(Attachment.owner_type == "inspection",
                                                            Attachment.owner_id == inspection_id)))


def _can_read_photo(actor: Actor, owner_id: int | None, _attachment: Attachment) -> bool:
    if owner_id is None:
        return False
    return db.session.scalar(visible_inspections(actor).where(Inspection.id == owner_id)) is not None


attachments.register_read_rule("inspection", _can_read_photo)
