"""Notices (通知公告) with read/acknowledgement tracking and reminders, and the dynamic contact
mechanism (动态联系机制): quarterly liaison confirmation and the regulators' contact directory."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, and_, case, func, or_, select, update

from portal.core import audit, clock, crypto, inbox, local_rules, transactions
from portal.core import uploads as attachments
from portal.core.access import (
    in_jurisdiction,
    is_agency_user,
    is_firm_user,
    require_supervisor,
    scoped,
    visible,
)
from portal.core.context import Actor
from portal.core.errors import NotFound, ValidationFailed
from portal.core.identifiers import is_valid_mobile
from portal.core.models import Attachment
from portal.core.msgids import N_
from portal.core.pagination import Page, paginate
from portal.core.workdays import add_workdays
from portal.extensions import db
from portal.firms.models import Firm
from portal.orgs.models import Agency
from portal.supervision.models import LiaisonConfirmation, Notice, NoticeRecipient

RECIPIENT_FIRM_STATUSES = ("active", "expiring", "recheck_submitted", "suspended", "negative_listed")
LIAISON_DAYS = 90


# --- notices -------------------------------------------------------------------------------------------

OWNER_TYPE = "notice"
# Who a notice goes to: registered firms (all of them or chosen ones), the agencies, or both.
AUDIENCES = ("all", "chosen", "agencies", "everyone")
FIRM_AUDIENCES = ("all", "chosen", "everyone")
AGENCY_AUDIENCES = ("agencies", "everyone")
Upload = tuple[bytes, str]


def reminder_workdays() -> int:
    """The local rule `notice_reminder_workdays` (default 2): remind this many working days before the
    acknowledgement deadline (and again once it has passed)."""
    try:
        return max(int(local_rules.get("notice_reminder_workdays")), 0)
    except (TypeError, ValueError):
        return 2


def _can_read_attachment(actor: Actor, owner_id: int | None, _attachment) -> bool:
    if owner_id is None:
        return False
    return db.session.scalar(select(Notice.id).where(Notice.id == owner_id, visible(actor, Notice))) is not None


attachments.register_read_rule(OWNER_TYPE, _can_read_attachment)


def publish_notice(actor: Actor, title: str, body: str, firm_ids: list[int] | None = None,
                   requires_ack: bool = True, audience: str | None = None, ack_deadline: date | None = None,
                   files: Sequence[Upload] = ()) -> Notice:
    """Publish to every registered firm of the jurisdiction (firm_ids None), to the chosen ones, to the
    jurisdiction's agencies, or to firms and agencies alike."""
    require_supervisor(actor)
    audience = audience or ("all" if firm_ids is None else "chosen")
    errors: dict[str, list] = {}
    if audience not in AUDIENCES:
        errors["audience"] = [N_("Choose who receives the notice.")]
        audience = "all"
    if not title.strip():
        errors["title"] = [N_("Give the notice a title.")]
    if not body.strip():
        errors["body"] = [N_("Write the notice.")]
    if ack_deadline is not None and ack_deadline < clock.today():
        errors["ack_deadline"] = [N_("The acknowledgement deadline cannot be in the past.")]
    firms: list[int] = []
    agencies: list[int] = []
    if audience in FIRM_AUDIENCES:
        stmt = scoped(select(Firm.id).where(Firm.status.in_(RECIPIENT_FIRM_STATUSES)), actor, Firm.district_code)
        if audience == "chosen":
            stmt = stmt.where(Firm.id.in_(firm_ids or []))
        firms = list(db.session.scalars(stmt))
        if not firms and audience == "chosen":
            errors["firm_ids"] = [N_("Choose at least one registered firm.")]
    if audience in AGENCY_AUDIENCES:
        agencies = list(db.session.scalars(scoped(select(Agency.id), actor, Agency.district_code)))
    if not firms and not agencies and "firm_ids" not in errors:
        errors["audience"] = [N_("No firm or agency in your jurisdiction would receive this notice.")]
    if errors:
        raise ValidationFailed(errors)
    notice = Notice(title=title.strip(), body=body.strip(), audience=audience, requires_ack=requires_ack,
                    ack_deadline=ack_deadline if requires_ack else None, published_at=clock.utcnow(),
                    created_by_id=actor.user_id)
    db.session.add(notice)
    db.session.flush()
    for data, name in files:
        attachments.save_upload(data, name, owner_type=OWNER_TYPE, owner_id=notice.id, kind="notice",
                                field="files")
    rows = [{"notice_id": notice.id, "firm_id": fid, "agency_id": None, "reminder_stage": ""} for fid in firms]
    rows += [{"notice_id": notice.id, "firm_id": None, "agency_id": aid, "reminder_stage": ""} for aid in agencies]
    db.session.execute(NoticeRecipient.__table__.insert(), rows)
    _notify(firms, agencies, N_("New notice from the archives bureau: %(title)s"), {"title": notice.title},
            f"/supervision/notices/{notice.id}")
    audit.record("notice.publish", "notice", notice.id,
                 detail={"firms": len(firms), "agencies": len(agencies), "audience": audience,
                         "ack_deadline": ack_deadline.isoformat() if ack_deadline else None})
    transactions.commit()
    return notice


def _notify(firm_ids: list[int], agency_ids: list[int], message: str, params: dict, link: str) -> None:
    from portal.auth.models import User

    conditions = []
    if firm_ids:
        conditions.append(User.firm_id.in_(firm_ids))
    if agency_ids:
        conditions.append(User.agency_id.in_(agency_ids))
    if not conditions:
        return
    users = list(db.session.scalars(select(User.id).where(or_(*conditions), User.active.is_(True))))
    inbox.notify(users, message, params, link=link)


def _notify_firms(firm_ids: list[int], message: str, params: dict, link: str) -> None:
    _notify(firm_ids, [], message, params, link)


def files_of(notice_id: int) -> list[Attachment]:
    return list(db.session.scalars(select(Attachment).where(Attachment.owner_type == OWNER_TYPE,
                                                            Attachment.owner_id == notice_id).order_by(Attachment.id)))


def _recipient_district():
    return func.coalesce(Firm.district_code, Agency.district_code)


def _with_orgs(stmt: Select) -> Select:
    return (stmt.outerjoin(Firm, Firm.id == NoticeRecipient.firm_id)
            .outerjoin(Agency, Agency.id == NoticeRecipient.agency_id))


@dataclass
class NoticeRow:
    notice: Notice
    recipients: int
    read: int
    acknowledged: int


def list_notices_for_regulator(actor: Actor, page: int | None, overdue: bool = False) -> tuple[Page, dict[int, NoticeRow]]:
    """Notices with read/acknowledged counts among the jurisdiction's recipients (one GROUP BY).
    `overdue`: only notices past their acknowledgement deadline that someone in the jurisdiction has not
    acknowledged."""
    require_supervisor(actor)
    stmt = select(Notice).where(Notice.published_at.is_not(None))
    if overdue:
        late = scoped(_with_orgs(select(NoticeRecipient.id)).where(
            NoticeRecipient.notice_id == Notice.id, NoticeRecipient.acknowledged_at.is_(None)),
            actor, _recipient_district())
        stmt = stmt.where(Notice.requires_ack.is_(True), Notice.ack_deadline.is_not(None),
                          Notice.ack_deadline < clock.today(), late.exists())
    result = paginate(stmt.order_by(Notice.published_at.desc(), Notice.id.desc()), page)
    ids = [n.id for n in result.items]
    counts: dict[int, NoticeRow] = {}
    if ids:
        stmt = _with_orgs(select(NoticeRecipient.notice_id, func.count(NoticeRecipient.id),
                                 func.count(NoticeRecipient.read_at), func.count(NoticeRecipient.acknowledged_at))) \
            .where(NoticeRecipient.notice_id.in_(ids)).group_by(NoticeRecipient.notice_id)
        stmt = scoped(stmt, actor, _recipient_district())
        by_id = {n.id: n for n in result.items}
        for nid, total, read, acked in db.session.execute(stmt):
            counts[nid] = NoticeRow(by_id[nid], total, read, acked)
    return result, counts


def receipts_query(actor: Actor, notice_id: int, state: str = "") -> Select:
    """Who read and who acknowledged a notice, limited to the jurisdiction's firms and agencies:
    rows of (receipt, firm or agency name, district)."""
    require_supervisor(actor)
    if db.session.get(Notice, notice_id) is None:
        raise NotFound()
    stmt = _with_orgs(select(NoticeRecipient, func.coalesce(Firm.name, Agency.name), _recipient_district())) \
        .where(NoticeRecipient.notice_id == notice_id)
    stmt = scoped(stmt, actor, _recipient_district())
    if state == "unread":
        stmt = stmt.where(NoticeRecipient.read_at.is_(None))
    elif state == "unacknowledged":
        stmt = stmt.where(NoticeRecipient.acknowledged_at.is_(None))
    elif state == "acknowledged":
        stmt = stmt.where(NoticeRecipient.acknowledged_at.is_not(None))
    return stmt.order_by(func.coalesce(Firm.name, Agency.name), NoticeRecipient.id)


def get_notice_for_regulator(actor: Actor, notice_id: int) -> Notice:
    require_supervisor(actor)
    notice = db.session.get(Notice, notice_id)
    if notice is None:
        raise NotFound()
    return notice


def remind(actor: Actor, notice_id: int) -> int:
    """Inbox reminder to the jurisdiction's recipients that have not acknowledged (or, without ack, not read)."""
    notice = get_notice_for_regulator(actor, notice_id)
    pending = NoticeRecipient.acknowledged_at if notice.requires_ack else NoticeRecipient.read_at
    stmt = scoped(_with_orgs(select(NoticeRecipient.id, NoticeRecipient.firm_id, NoticeRecipient.agency_id))
                  .where(NoticeRecipient.notice_id == notice.id, pending.is_(None)), actor, _recipient_district())
    rows = db.session.execute(stmt).all()
    if not rows:
        return 0
    now = clock.utcnow()
    db.session.execute(update(NoticeRecipient).where(NoticeRecipient.id.in_([r[0] for r in rows]))
                       .values(reminded_at=now))
    _notify([r[1] for r in rows if r[1]], [r[2] for r in rows if r[2]],
            N_("Reminder: please read and acknowledge the notice %(title)s"),
            {"title": notice.title}, f"/supervision/notices/{notice.id}")
    audit.record("notice.remind", "notice", notice.id, detail={"recipients": len(rows)})
    transactions.commit()
    return len(rows)


def send_due_reminders(today: date | None = None) -> int:
    """The reminder job: each receipt not yet acknowledged is reminded once `notice_reminder_workdays`
    working days before the acknowledgement deadline and once after it has passed (the stage is kept on
    the receipt, so a second run sends nothing). Returns the receipts reminded."""
    today = today or clock.today()
    before = reminder_workdays()
    horizon = add_workdays(today, before)
    rows = db.session.execute(
        select(NoticeRecipient, Notice).join(Notice, Notice.id == NoticeRecipient.notice_id)
        .where(Notice.requires_ack.is_(True), Notice.ack_deadline.is_not(None), Notice.ack_deadline <= horizon,
               Notice.published_at.is_not(None), NoticeRecipient.acknowledged_at.is_(None))
        .order_by(NoticeRecipient.id)
    ).all()
    sent = 0
    now = clock.utcnow()
    for receipt, notice in rows:
        stage = "overdue" if today > notice.ack_deadline else "due_soon"
        if receipt.reminder_stage == stage:
            continue
        receipt.reminder_stage, receipt.reminded_at = stage, now
        message = (N_("The notice %(title)s was to be acknowledged by %(date)s: please acknowledge it now.")
                   if stage == "overdue" else
                   N_("Reminder: please acknowledge the notice %(title)s by %(date)s."))
        _notify([receipt.firm_id] if receipt.firm_id else [], [receipt.agency_id] if receipt.agency_id else [],
                message, {"title": notice.title, "date": notice.ack_deadline.isoformat()},
                f"/supervision/notices/{notice.id}")
        audit.record("notice.reminder", "notice", notice.id,
                     detail={"stage": stage, "firm_id": receipt.firm_id, "agency_id": receipt.agency_id})
        sent += 1
    transactions.commit()
    return sent


def notices_for_firm(actor: Actor, page: int | None) -> Page:
    """A firm or agency user's notices (rows of (Notice, NoticeRecipient)), newest first."""
    stmt = (_with_receipt(actor).where(visible(actor, Notice))
            .order_by(Notice.published_at.desc(), Notice.id.desc()))
    return paginate(stmt, page, scalars=False)


notices_for_recipient = notices_for_firm


def _with_receipt(actor: Actor) -> Select:
    """(Notice, the actor's organisation's receipt) rows: for a firm user or an agency user only."""
    if is_firm_user(actor):
        mine = NoticeRecipient.firm_id == actor.firm_id
    elif is_agency_user(actor):
        mine = NoticeRecipient.agency_id == actor.agency_id
    else:
        raise NotFound()
    return select(Notice, NoticeRecipient).join(NoticeRecipient, and_(NoticeRecipient.notice_id == Notice.id, mine))


def _receipt(actor: Actor, notice_id: int) -> tuple[Notice, NoticeRecipient]:
    row = db.session.execute(_with_receipt(actor).where(Notice.id == notice_id, visible(actor, Notice))).first()
    if row is None:
        raise NotFound()
    return row[0], row[1]


def open_notice(actor: Actor, notice_id: int) -> tuple[Notice, NoticeRecipient]:
    """A firm or agency user opens a notice: the receipt is marked read (first reader and time kept)."""
    notice, receipt = _receipt(actor, notice_id)
    if receipt.read_at is None:
        receipt.read_at = clock.utcnow()
        receipt.read_by_id = actor.user_id
        transactions.commit()
    return notice, receipt


def acknowledge_notice(actor: Actor, notice_id: int) -> NoticeRecipient:
    notice, receipt = _receipt(actor, notice_id)
    now = clock.utcnow()
    if receipt.read_at is None:
        receipt.read_at, receipt.read_by_id = now, actor.user_id
    if receipt.acknowledged_at is None:
        receipt.acknowledged_at, receipt.acknowledged_by_id = now, actor.user_id
        audit.record("notice.acknowledge", "notice", notice.id,
                     detail={"firm_id": receipt.firm_id, "agency_id": receipt.agency_id,
                             "late": bool(notice.ack_deadline and clock.today() > notice.ack_deadline)})
    transactions.commit()
    return receipt


def unread_notice_count(firm_id: int) -> int:
    return db.session.scalar(select(func.count(NoticeRecipient.id)).where(
        NoticeRecipient.firm_id == firm_id, NoticeRecipient.read_at.is_(None))) or 0


# --- liaison (动态联系机制) ------------------------------------------------------------------------------

def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def liaison_due(firm: Firm) -> bool:
    """Due when the firm has not confirmed its contacts in the current quarter."""
    return db.session.scalar(select(LiaisonConfirmation.id).where(
        LiaisonConfirmation.firm_id == firm.id, LiaisonConfirmation.quarter == quarter_of(clock.today()))) is None


def my_firm(actor: Actor) -> Firm:
    firm = db.session.get(Firm, actor.firm_id) if actor.firm_id else None
    if firm is None:
        raise NotFound()
    return firm


def confirm_liaison(actor: Actor, name: str, phone: str, email: str) -> LiaisonConfirmation:
    """The firm confirms (or corrects) its liaison contact for this quarter."""
    if "vendor" not in actor.roles:
        raise NotFound()
    firm = my_firm(actor)
    errors: dict[str, list] = {}
    if not name.strip():
        errors["name"] = [N_("Give the liaison's name.")]
    if not is_valid_mobile(phone.strip()):
        errors["phone"] = [N_("Enter an 11-digit mobile number.")]
    if errors:
        raise ValidationFailed(errors)
    quarter = quarter_of(clock.today())
    row = db.session.scalar(select(LiaisonConfirmation).where(LiaisonConfirmation.firm_id == firm.id,
                                                              LiaisonConfirmation.quarter == quarter))
    if row is None:
        row = LiaisonConfirmation(firm_id=firm.id, quarter=quarter)
        db.session.add(row)
    now = clock.utcnow()
    row.contacts = {"name": name.strip(), "phone_enc": crypto.encrypt(phone.strip()), "email": email.strip()}
    row.confirmed_by_id, row.confirmed_at = actor.user_id, now
    firm.liaison_name, firm.liaison_phone_enc, firm.liaison_email = name.strip(), crypto.encrypt(phone.strip()), email.strip()
    firm.liaison_confirmed_at = now
    audit.record("liaison.confirm", "firm", firm.id, detail={"quarter": quarter})
    transactions.commit()
    return row


@dataclass
class ContactRow:
    firm_id: int
    name: str
    district_code: str
    status: str
    liaison_name: str
    phone: str  # decrypted; templates show it through mask_phone unless revealed
    email: str
    confirmed_at: object
    overdue: bool


def contact_directory(actor: Actor, query: str = "", district: str = "", overdue_only: bool = False,
                      page: int | None = None) -> Page:
    require_supervisor(actor)
    cutoff = clock.utcnow() - timedelta(days=LIAISON_DAYS)
    overdue = case((Firm.liaison_confirmed_at.is_(None), True), (Firm.liaison_confirmed_at < cutoff, True),
                   else_=False)
    stmt = scoped(select(Firm.id, Firm.name, Firm.district_code, Firm.status, Firm.liaison_name,
                         Firm.liaison_phone_enc, Firm.liaison_email, Firm.liaison_confirmed_at, overdue)
                  .where(Firm.status.in_(RECIPIENT_FIRM_STATUSES)), actor, Firm.district_code)
    if query:
        stmt = stmt.where(Firm.name.contains(query))
    if district:
        stmt = stmt.where(Firm.district_code == district)
    if overdue_only:
        stmt = stmt.where((Firm.liaison_confirmed_at.is_(None)) | (Firm.liaison_confirmed_at < cutoff))
    result = paginate(stmt.order_by(Firm.name), page, scalars=False)
    result.items = [ContactRow(r[0], r[1], r[2], r[3], r[4], crypto.decrypt(r[5]), r[6], r[7], bool(r[8]))
                    for r in result.items]
    return result


def reveal_liaison_phone(actor: Actor, firm_id: int) -> str:
    """The whole phone number, for a regulator who asks; audited."""
    require_supervisor(actor)
    firm = db.session.get(Firm, firm_id)
    if firm is None or not in_jurisdiction(actor, firm.district_code):
        raise NotFound()
    audit.record("personal_data.reveal", "firm", firm.id, detail={"field": "liaison_phone"})
    transactions.commit()
    return crypto.decrypt(firm.liaison_phone_enc)
