"""A firm's staff roster: encrypted ID numbers and phones, masked display, audited reveal, Excel in and out."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO
from typing import IO
from zipfile import BadZipFile

from defusedxml import DefusedXmlException
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import Select, func, select

from portal.core import access, audit, clock, crypto, transactions
from portal.core import uploads as attachments
from portal.core.constants import STAFF_ROLES
from portal.core.context import Actor, current_actor
from portal.core.errors import NotFound, ValidationFailed
from portal.core.exports import BATCH, Column, Sheet, write_workbook, write_xlsx
from portal.core.identifiers import (
    clean_optional_mobile,
    normalize_id_number,
    normalize_mobile,
    validate_id_number,
    validate_mobile,
)
from portal.core.masking import mask_id_number, mask_phone
from portal.core.models import Attachment
from portal.core.msgids import N_
from portal.extensions import db
from portal.firms.models import Firm, StaffMember
from portal.firms.service import clean_on_failure, get_firm, get_own_firm

DUPLICATE_ID = N_("This ID number is already on the firm's roster.")
REVEALABLE = {"id_number": N_("ID number"), "phone": N_("Phone")}


# --- scoping ---------------------------------------------------------------------------------------

def visible_staff(actor: Actor, firm_id: int) -> Select:
    """One firm's roster, when the actor may see the firm (NotFound otherwise)."""
    get_firm(actor, firm_id)
    return select(StaffMember).where(StaffMember.firm_id == firm_id, access.visible(actor, StaffMember))


def get_staff(actor: Actor | None, staff_id: int) -> StaffMember:
    return access.get_visible(actor or current_actor(), StaffMember, staff_id)


def get_own_staff(actor: Actor, staff_id: int) -> tuple[Firm, StaffMember]:
    member = db.session.get(StaffMember, staff_id)
    if member is None:
        raise NotFound()
    return get_own_firm(actor, member.firm_id), member


def roster_query(actor: Actor, firm_id: int, status: str = "active") -> Select:
    query = visible_staff(actor, firm_id)
    if status == "active":
        query = query.where(StaffMember.active.is_(True))
    elif status == "left":
        query = query.where(StaffMember.active.is_(False))
    return query.order_by(StaffMember.active.desc(), StaffMember.name, StaffMember.id)


@dataclass
class StaffCounts:
    active: int = 0
    qualified: int = 0
    left: int = 0


def counts(firm_id: int) -> StaffCounts:
    rows = db.session.scalars(select(StaffMember).where(StaffMember.firm_id == firm_id))
    result = StaffCounts()
    for member in rows:
        if member.active:
            result.active += 1
            result.qualified += int(member.is_qualified)
        else:
            result.left += 1
    return result


# --- display ---------------------------------------------------------------------------------------

def masked_id(member: StaffMember) -> str:
    return mask_id_number(crypto.decrypt(member.id_number_enc))


def masked_phone(member: StaffMember) -> str:
    return mask_phone(crypto.decrypt(member.phone_enc))


def reveal(staff_id: int, what: str, reason: str) -> str:
    """A supervisor sees one whole value; the audit row names the value revealed and the reason."""
    actor = current_actor()
    if not access.is_supervisor(actor):
        raise NotFound()
    member = get_staff(actor, staff_id)
    if what not in REVEALABLE:
        raise ValidationFailed({"what": [N_("Choose what to reveal.")]})
    if not (reason or "").strip():
        raise ValidationFailed({"reason": [N_("Give the reason for viewing the whole value.")]})
    value = crypto.decrypt(member.id_number_enc if what == "id_number" else member.phone_enc)
    audit.record("personal_data.reveal", "staff_member", member.id,
                 detail={"firm": member.firm_id, "field": what, "reason": reason.strip()})
    transactions.commit()
    return value


# --- create, update, leave ------------------------------------------------------------------------

def _as_bool(value) -> bool:
    return value in (True, "y", "on", "1", 1, "true")


def _clean(data: dict, today: date) -> tuple[dict, dict[str, list]]:
    errors: dict[str, list] = {}
    values: dict = {"name": (data.get("name") or "").strip()}
    if not values["name"]:
        errors["name"] = [N_("This field is required.")]
    if "id_number" in data:
        number = normalize_id_number(data.get("id_number") or "")
        problems = validate_id_number(number, today)
        if problems:
            errors["id_number"] = problems
        values["id_number"] = number
    if "phone" in data:
        phone, problems = clean_optional_mobile(data.get("phone"))
        if problems:
            errors["phone"] = problems
        values["phone"] = phone
    role = data.get("role") or "operator"
    if role not in STAFF_ROLES:
        errors["role"] = [N_("Choose a role.")]
    values["role"] = role
    values["contract_date"] = data.get("contract_date")
    values["commitment_date"] = data.get("commitment_date")
    days = data.get("training_days")
    try:
        values["training_days"] = int(days or 0)
        if not 0 <= values["training_days"] <= 365:
            raise ValueError
    except (TypeError, ValueError):
        errors["training_days"] = [N_("Enter the number of training days (0 to 365).")]
    values["assessment_passed"] = _as_bool(data.get("assessment_passed"))
    values["background_checked"] = _as_bool(data.get("background_checked"))
    return values, errors


def _apply(member: StaffMember, values: dict) -> list[str]:
    changed = []
    number = values.pop("id_number", None)
    phone = values.pop("phone", None)
    if number:
        digest = crypto.lookup_hash(number)
        if digest != member.id_number_hash:
            member.id_number_enc, member.id_number_hash = crypto.encrypt(number), digest
            changed.append("id_number")
    if phone is not None and phone != crypto.decrypt(member.phone_enc):
        member.phone_enc = crypto.encrypt(phone)
        changed.append("phone")
    for name, value in values.items():
        if getattr(member, name) != value:
            setattr(member, name, value)
            changed.append(name)
    return changed


def _duplicate(firm_id: int, number: str, exclude: int | None = None) -> bool:
    query = select(StaffMember.id).where(StaffMember.firm_id == firm_id,
                                         StaffMember.id_number_hash == crypto.lookup_hash(number))
    if exclude is not None:
        query = query.where(StaffMember.id != exclude)
    return db.session.scalar(query) is not None


def _commit_unique() -> None:
    """The unique (firm, id_number_hash) constraint backs the check when two saves race."""
    transactions.commit(refused=ValidationFailed({"id_number": [DUPLICATE_ID]}))


def _commitment_file(firm: Firm, member: StaffMember, upload: tuple[bytes, str] | None) -> Attachment | None:
    if not upload or (not upload[0] and not upload[1]):
        return None
    attachment = attachments.save_upload(upload[0], upload[1], owner_type="staff_commitment", owner_id=member.id,
                                         kind="commitment", firm_id=firm.id, field="commitment_file")
    member.commitment_attachment_id = attachment.id
    return attachment


def add_staff(firm_id: int, data: dict, upload: tuple[bytes, str] | None = None) -> StaffMember:
    actor = current_actor()
    firm = get_own_firm(actor, firm_id)
    values, errors = _clean({**data, "id_number": data.get("id_number") or ""}, clock.today())
    if "id_number" not in errors and _duplicate(firm.id, values["id_number"]):
        errors["id_number"] = [DUPLICATE_ID]
    if errors:
        raise ValidationFailed(errors)
    member = StaffMember(firm_id=firm.id, name=values["name"], id_number_enc="", id_number_hash="", active=True)
    _apply(member, values)
    db.session.add(member)
    db.session.flush()
    with clean_on_failure():
        _commitment_file(firm, member, upload)
    audit.record("staff.create", "staff_member", member.id,
                 detail={"firm": firm.id, "name": member.name, "id_number": masked_id(member)})
    _commit_unique()
    return member


def update_staff(staff_id: int, data: dict, upload: tuple[bytes, str] | None = None) -> StaffMember:
    """Edit a roster entry; a blank ID number or phone keeps the stored one (the form never shows it)."""
    actor = current_actor()
    firm, member = get_own_staff(actor, staff_id)
    data = dict(data)
    for name in ("id_number", "phone"):
        if not (data.get(name) or "").strip():
            data.pop(name, None)
    values, errors = _clean(data, clock.today())
    if "id_number" in values and "id_number" not in errors and _duplicate(firm.id, values["id_number"], member.id):
        errors["id_number"] = [DUPLICATE_ID]
    if errors:
        raise ValidationFailed(errors)
    changed = _apply(member, values)
    with clean_on_failure():
        if _commitment_file(firm, member, upload) is not None:
            changed.append("commitment_file")
    audit.record("staff.update", "staff_member", member.id,
                 detail={"firm": firm.id, "fields": changed, "id_number": masked_id(member)})
    _commit_unique()
    return member


def set_left(staff_id: int, left: bool = True) -> StaffMember:
    actor = current_actor()
    firm, member = get_own_staff(actor, staff_id)
    member.active = not left
    member.left_at = clock.utcnow() if left else None
    audit.record("staff.left" if left else "staff.rejoined", "staff_member", member.id, detail={"firm": firm.id})
    transactions.commit()
    return member


def _read_commitment(actor: Actor, owner_id: int | None, attachment: Attachment) -> bool:
    return owner_id is not None and access.can_see(actor, db.session.get(StaffMember, owner_id))


attachments.register_read_rule("staff_commitment", _read_commitment)
attachments.register_replaceable("staff_commitment")


# --- Excel import ----------------------------------------------------------------------------------

# Column order of the template workbook; headers are shown in the reader's language.
COLUMNS = (
    ("name", N_("Full name")),  # a person: 姓名, not 名称
    ("id_number", N_("ID number")),
    ("phone", N_("Phone")),
    ("role", N_("Role")),
    ("contract_date", N_("Labour contract date")),
    ("commitment_date", N_("Confidentiality commitment date")),
    ("training_days", N_("Training days")),
    ("assessment_passed", N_("Assessment passed")),
    ("background_checked", N_("Background check done")),
)
LABELS = dict(COLUMNS)
YES = {"yes", "y", "true", "1", "是", "通过", "已", "√"}
NO = {"no", "n", "false", "0", "否", "未通过", "未", "", "×"}


@dataclass
class ImportProblem:
    row: int
    column: str  # msgid of the column header ("" for the whole file)
    reason: str  # msgid
    params: dict = field(default_factory=dict)


class ImportRejected(Exception):
    """The file has problems; nothing was imported."""

    def __init__(self, problems: list[ImportProblem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


_TEMPLATE_EXAMPLE = ("张三", "", "13800000000", "operator", "2025-01-02", "2025-01-03", 5, "yes", "yes")
_TEMPLATE_WIDTHS = (14, 22, 16, 18, 18, 18, 10, 10, 10)


def template_workbook(stream: IO[bytes], translate=lambda s: s) -> None:
    """The import template: the import columns with one example row, and a sheet of hints."""
    columns = tuple(Column(label, lambda row, i=i: row[i], "number" if name == "training_days" else "text", width)
                    for i, ((name, label), width) in enumerate(zip(COLUMNS, _TEMPLATE_WIDTHS, strict=True)))
    hints = [(N_("Role"), ", ".join(STAFF_ROLES)), (N_("Dates"), "YYYY-MM-DD"), (N_("Yes/no columns"), "yes / no")]
    write_workbook(stream, [
        Sheet("staff", columns, [_TEMPLATE_EXAMPLE]),
        Sheet("help", (Column(N_("Column"), lambda row: translate(row[0])),
                       Column(N_("How to fill in"), lambda row: row[1], width=60)), hints),
    ], translate=translate)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _cell_date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _cell_text(value).replace("/", "-").replace(".", "-")
    return date.fromisoformat(text)


def _role_code(text: str, translate) -> str | None:
    lowered = text.strip().lower()
    if lowered in STAFF_ROLES:
        return lowered
    for code, label in STAFF_ROLES.items():
        if lowered in (label.lower(), translate(label).lower()):
            return code
    return None


def parse_import(data: bytes, firm_id: int, today: date, translate=lambda s: s) -> tuple[list[dict], list[ImportProblem]]:
    """Read every row and check each cell; (valid rows, problems) — rows are only used when problems is empty.

    `translate` lets role labels be typed in the reader's language as well as by code."""
    problem = attachments.spreadsheet_problem(data)
    if problem:
        return [], [ImportProblem(0, "", problem)]
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, ValueError, OSError, TypeError, AttributeError, EOFError,
            DefusedXmlException):
        # openpyxl raises a variety of errors for a file that is not a well-formed workbook.
        return [], [ImportProblem(0, "", N_("The file is not an Excel workbook (.xlsx)."))]
    sheet = book.worksheets[0]
    rows: list[dict] = []
    problems: list[ImportProblem] = []
    seen: dict[str, int] = {}
    existing = set(db.session.scalars(select(StaffMember.id_number_hash).where(StaffMember.firm_id == firm_id)))
    for number, raw in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        cells = list(raw or ()) + [None] * len(COLUMNS)
        if all(_cell_text(c) == "" for c in cells[:len(COLUMNS)]):
            continue
        record: dict = {}

        def bad(name: str, reason: str, at: int = number, **params) -> None:
            problems.append(ImportProblem(at, LABELS[name], reason, params))

        values = dict(zip([n for n, _ in COLUMNS], cells[:len(COLUMNS)], strict=True))
        record["name"] = _cell_text(values["name"])
        if not record["name"]:
            bad("name", N_("This field is required."))
        id_number = normalize_id_number(_cell_text(values["id_number"]))
        for reason in validate_id_number(id_number, today):
            bad("id_number", reason)
        if id_number and not validate_id_number(id_number, today):
            digest = crypto.lookup_hash(id_number)
            if digest in existing:
                bad("id_number", DUPLICATE_ID)
            elif digest in seen:
                bad("id_number", N_("The same ID number is also on row %(row)s."), row=seen[digest])
            else:
                seen[digest] = number
        record["id_number"] = id_number
        phone = normalize_mobile(_cell_text(values["phone"]))
        if phone:
            for reason in validate_mobile(phone):
                bad("phone", reason)
        record["phone"] = phone
        role_text = _cell_text(values["role"]) or "operator"
        record["role"] = _role_code(role_text, translate)
        if record["role"] is None:
            bad("role", N_("Unknown role; use one of: %(roles)s."), roles=", ".join(STAFF_ROLES))
        for name in ("contract_date", "commitment_date"):
            try:
                record[name] = _cell_date(values[name])
                if record[name] and record[name] > today:
                    bad(name, N_("The date is in the future."))
            except ValueError:
                bad(name, N_("Enter the date as YYYY-MM-DD."))
        try:
            record["training_days"] = int(float(_cell_text(values["training_days"]) or 0))
            if not 0 <= record["training_days"] <= 365:
                raise ValueError
        except ValueError:
            bad("training_days", N_("Enter the number of training days (0 to 365)."))
        for name in ("assessment_passed", "background_checked"):
            text = _cell_text(values[name]).lower()
            if text in YES:
                record[name] = True
            elif text in NO:
                record[name] = False
            else:
                bad(name, N_("Enter yes or no."))
        rows.append(record)
    book.close()
    if not rows and not problems:
        problems.append(ImportProblem(0, "", N_("The file has no staff rows below the header.")))
    return rows, problems


def import_roster(firm_id: int, data: bytes, translate=lambda s: s, filename: str | None = None) -> int:
    """Check every row first; import all rows in one transaction, or nothing with the full problem list.

    `filename` is the uploaded file's name: the upload passes core.uploads' check (an XLSX by content,
    named .xlsx, within the size limit) before any row is read."""
    actor = current_actor()
    firm = get_own_firm(actor, firm_id)
    if filename is not None:
        with clean_on_failure():
            attachments.inspect_upload(data, filename, kinds=("xlsx",), owner_type="firm", owner_id=firm.id)
    rows, problems = parse_import(data, firm.id, clock.today(), translate)
    if problems:
        audit.record_and_commit("staff.import", "firm", firm.id, outcome="failure",
                                detail={"problems": len(problems)})
        raise ImportRejected(problems)
    for record in rows:
        member = StaffMember(firm_id=firm.id, name=record["name"], id_number_enc="", id_number_hash="", active=True)
        _apply(member, dict(record))
        db.session.add(member)
    audit.record("staff.import", "firm", firm.id, detail={"rows": len(rows)})
    transactions.commit(refused=ImportRejected([ImportProblem(0, "", DUPLICATE_ID)]))
    return len(rows)


# --- Excel export (masked) -------------------------------------------------------------------------

def export_columns(translate=lambda s: s) -> tuple[Column, ...]:
    """The import columns (ID number and phone masked), then whether qualified and whether in post."""
    def yes_no(flag: bool) -> str:
        return translate(N_("yes") if flag else N_("no"))

    return (
        Column(LABELS["name"], lambda m: m.name),
        Column(LABELS["id_number"], masked_id, width=22),
        Column(LABELS["phone"], masked_phone, width=16),
        Column(LABELS["role"], lambda m: translate(STAFF_ROLES.get(m.role, m.role))),
        Column(LABELS["contract_date"], lambda m: m.contract_date, "date"),
        Column(LABELS["commitment_date"], lambda m: m.commitment_date, "date"),
        Column(LABELS["training_days"], lambda m: m.training_days, "number"),
        Column(LABELS["assessment_passed"], lambda m: yes_no(m.assessment_passed)),
        Column(LABELS["background_checked"], lambda m: yes_no(m.background_checked)),
        Column(N_("Qualified"), lambda m: yes_no(m.is_qualified)),
        Column(N_("Status"), lambda m: translate(N_("in post") if m.active else N_("left"))),
    )


def export_roster(actor: Actor, firm_id: int, stream: IO[bytes], translate=lambda s: s,
                  title_row: str | None = None) -> int:
    """Write the firm's whole roster (masked) as a workbook to `stream`; the export is audited."""
    firm = get_firm(actor, firm_id)
    members = db.session.scalars(roster_query(actor, firm.id, "all").execution_options(yield_per=BATCH))
    rows = write_xlsx(stream, export_columns(translate), members, sheet_title="staff", title_row=title_row,
                      translate=translate)
    audit.record("staff.export", "firm", firm.id, detail={"rows": rows})
    transactions.commit()
    return rows


def staff_count_by_firm(firm_ids: list[int]) -> dict[int, int]:
    if not firm_ids:
        return {}
    rows = db.session.execute(select(StaffMember.firm_id, func.count(StaffMember.id))
                              .where(StaffMember.firm_id.in_(firm_ids), StaffMember.active.is_(True))
                              .group_by(StaffMember.firm_id))
    return dict(rows.all())
