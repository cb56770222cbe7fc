"""Province-scale data (`flask seed-scale`): consistent firms, agencies, projects, feedback, inspections
and an optional audit chain, written in bulk (Core executemany, or COPY on PostgreSQL) for benchmarks."""
from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, Table, func, insert, select, text, update
from sqlalchemy.types import JSON

from portal.auth.models import User, UserRole
from portal.core import cache as aggregates
from portal.core import clock
from portal.core.identifiers import DISTRICTS, make_id_number, make_uscc
from portal.core.models import AuditChainHead, AuditEvent, Notification, OutboxMessage, StateTransition
from portal.extensions import db
from portal.feedback.models import Feedback
from portal.filings.models import FilingNumberCounter, ProjectFiling, filing_staff
from portal.firms.models import Certificate, Firm, StaffMember
from portal.orgs.models import Agency, RegulatorOffice
from portal.supervision.models import (
    Alert,
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionResult,
    RectificationOrder,
    RectificationResponse,
)

SCALE_SEED = 20261126
SCALE_TAG = "规模"  # in every generated firm and agency name, so generated rows are easy to tell apart

SERVICE_TYPES = ("arrangement", "digitisation", "storage", "consulting", "exploitation", "destruction")
SERVICE_LABELS = {"arrangement": "整理", "digitisation": "数字化", "storage": "寄存保管", "consulting": "咨询",
                  "exploitation": "开发利用", "destruction": "鉴定销毁"}
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = ["伟", "芳", "敏", "强", "磊", "洋", "静", "杰", "娟", "涛", "明", "超", "霞", "平", "刚", "丽"]
FIRM_WORDS = ["恒", "信", "瑞", "达", "博", "文", "鑫", "汇", "智", "华", "典", "金", "川", "明", "远",
              "卓", "诚", "安", "和", "嘉", "润", "锦", "程", "致", "弘", "毅", "同", "创", "宏", "兴"]
AGENCY_UNITS = ["教育局", "卫生健康局", "自然资源局", "人社局", "住建局", "财政局", "民政局", "交通运输局",
                "农业农村局", "市场监管局", "公安局", "审计局", "统计局", "医保局", "水务局", "林业局",
                "中心医院", "第一中学", "实验小学", "国有资产公司"]
AUDIT_ACTIONS = ("filing.submit", "filing.confirm", "filing.register", "filing.start_work",
                 "filing.complete", "filing.accept", "feedback.created", "login.success",
                 "inspection.record_results", "rectification.issued", "personal_data.viewed")
# Rule codes of the alert centre (portal.supervision.alerts.RULES) that point at a project filing.
ALERT_RULES = ("project_overdue", "completion_late", "rectification_overdue", "feedback_missing",
               "review_waiting", "staff_unqualified")


@dataclass
class ScaleSizes:
    """Targets for the whole database (demo rows count towards them)."""

    firms: int = 600
    agencies: int = 3000
    projects: int = 100_000
    feedback: int = 1_000_000
    inspection_items: int = 300_000
    audit_rows: int = 0
    staff_per_firm: int = 10
    seed: int = SCALE_SEED


@dataclass
class ScaleReport:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    skipped: bool = False

    def lines(self) -> list[str]:
        rows = [f"  {name}: {n:,}" for name, n in self.counts.items()]
        return rows + [f"  took {self.seconds:.1f} s"]


def _progress(total: int, desc: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="row", unit_scale=True, disable=not enabled, leave=True)


class BulkWriter:
    """Buffers rows per table and writes them in chunks inside the caller's transaction.

    Every row of a table gets the same keys (Python-side column defaults are filled in once per table),
    which keeps executemany on one statement and lets COPY name its columns.
    """

    def __init__(self, conn: Connection, chunk: int = 10_000, use_copy: bool | None = None,
                 bar=None) -> None:
        self.conn = conn
        self.chunk = chunk
        self.is_pg = conn.dialect.name == "postgresql"
        self.use_copy = self.is_pg if use_copy is None else use_copy
        self.buffers: dict[str, list[dict]] = {}
        self.tables: dict[str, Table] = {}
        self.templates: dict[str, dict] = {}
        self.written: dict[str, int] = {}
        self.bar = bar

    def _template(self, table: Table) -> dict:
        if table.name not in self.templates:
            values: dict = {}
            for column in table.columns:
                default = column.default
                if default is None or column.primary_key:
                    continue
                if default.is_callable:
                    values[column.name] = default.arg(None)
                elif default.is_scalar:
                    values[column.name] = default.arg
            self.templates[table.name] = values
        return self.templates[table.name]

    def add(self, table: Table, row: dict) -> None:
        buffer = self.buffers.get(table.name)
        if buffer is None:
            buffer = self.buffers[table.name] = []
            self.tables[table.name] = table
        template = self._template(table)
        buffer.append({**template, **row} if template else row)
        if len(buffer) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        """Write every buffer, parents before children so foreign keys hold at each statement."""
        order = {t.name: i for i, t in enumerate(db.metadata.sorted_tables)}
        for table_name in sorted(self.buffers, key=lambda name: order.get(name, 0)):
            rows = self.buffers.get(table_name)
            if not rows:
                continue
            table = self.tables[table_name]
            if self.use_copy:
                self._copy(table, rows)
            else:
                self.conn.execute(insert(table), rows)
            self.written[table_name] = self.written.get(table_name, 0) + len(rows)
            if self.bar is not None:
                self.bar.update(len(rows))
            self.buffers[table_name] = []

    def _copy(self, table: Table, rows: list[dict]) -> None:
        columns = list(rows[0])
        json_cols = {i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)}
        sql = 'COPY "{}" ({}) FROM STDIN'.format(table.name, ", ".join(f'"{c}"' for c in columns))
        cursor = self.conn.connection.dbapi_connection.cursor()
        try:
            with cursor.copy(sql) as copy:
                for row in rows:
                    values = [row[c] for c in columns]
                    for i in json_cols:
                        values[i] = json.dumps(values[i], ensure_ascii=False)
                    copy.write_row(values)
        finally:
            cursor.close()


def _next_id(conn: Connection, table: Table) -> int:
    return (conn.scalar(select(func.max(table.c.id))) or 0) + 1


def _fix_sequences(conn: Connection, tables: Iterable[Table]) -> None:
    """Explicit ids bypass PostgreSQL sequences; move each past the largest id so the app can insert."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        if "id" not in table.c:
            continue
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 0) + 1, false)"
        ))


def _dt(value: datetime) -> datetime:
    return value.replace(microsecond=0)


class _Generator:
    def __init__(self, sizes: ScaleSizes, echo: Callable[[str], None], progress: bool) -> None:
        self.sizes = sizes
        self.echo = echo
        self.progress = progress
        self.rng = random.Random(sizes.seed)
        self.now = _dt(clock.utcnow())
        self.today = clock.today()
        self.counts: dict[str, int] = {}
        self.district_codes = list(DISTRICTS)
        self._phone_pool: list[str] = []

    # -- helpers ---------------------------------------------------------------------------------
    def phone(self) -> str:
        """A pre-encrypted phone: encryption is the slow part, so a pool is shared by many rows."""
        from portal.core import crypto

        if not self._phone_pool:
            self._phone_pool = [crypto.encrypt(f"1{self.rng.choice('3578')}{self.rng.randint(100000000, 999999999)}")
                                for _ in range(400)]
        return self.rng.choice(self._phone_pool)

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _ in range(self.rng.randint(1, 2)))

    def at_between(self, start: datetime, end: datetime) -> datetime:
        if end <= start:
            return start
        return start + timedelta(seconds=self.rng.randint(0, int((end - start).total_seconds())))

    def _write(self, desc: str, total: int, fill: Callable[[BulkWriter], None]) -> dict[str, int]:
        started = time.perf_counter()
        with db.engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                # Seeding is repeatable from scratch, so durability of each chunk is not needed.
                conn.exec_driver_sql("PRAGMA synchronous=OFF")
            with _progress(total, desc, self.progress) as bar:
                writer = BulkWriter(conn, bar=bar)
                self.conn = conn
                fill(writer)
                writer.flush()
            _fix_sequences(conn, [writer.tables[name] for name in writer.written])
        for name, n in writer.written.items():
            self.counts[name] = self.counts.get(name, 0) + n
        if not self.progress:
            self.echo(f"  {desc}: {sum(writer.written.values()):,} rows in {time.perf_counter() - started:.1f} s")
        return writer.written

    # -- steps -----------------------------------------------------------------------------------
    def load_context(self) -> None:
        session = db.session
        self.offices = {code: oid for oid, code in session.execute(
            select(RegulatorOffice.id, RegulatorOffice.district_code).where(RegulatorOffice.level == "district"))}
        self.inspectors = list(session.scalars(
            select(UserRole.user_id).where(UserRole.role == "regulator").order_by(UserRole.user_id)))
        self.password_hash = session.scalar(select(User.password_hash).where(User.username == "regulator"))
        self.used_usccs = set(session.scalars(select(Firm.uscc))) | set(session.scalars(select(Agency.uscc)))

    def firms_and_agencies(self) -> None:
        existing_firms = db.session.scalar(select(func.count(Firm.id))) or 0
        existing_agencies = db.session.scalar(select(func.count(Agency.id))) or 0
        new_firms = max(0, self.sizes.firms - existing_firms)
        new_agencies = max(0, self.sizes.agencies - existing_agencies)

        def fill(w: BulkWriter) -> None:
            rng = self.rng
            firm_id = _next_id(self.conn, Firm.__table__)
            user_id = _next_id(self.conn, User.__table__)
            for i in range(new_firms):
                code = self.district_codes[i % len(self.district_codes)]
                uscc = self._uscc("91", code)
                name = (f"泸州{rng.choice(FIRM_WORDS)}{rng.choice(FIRM_WORDS)}{SCALE_TAG}{i + 1:04d}"
                        f"{rng.choice(['档案服务有限公司', '数字科技有限公司', '信息技术有限公司'])}")
                status = rng.choices(["active", "expiring", "suspended", "lapsed", "submitted", "negative_listed"],
                                     [80, 8, 3, 4, 4, 1])[0]
                registered = self.now - timedelta(days=rng.randint(60, 3000))
                w.add(Firm.__table__, {
                    "id": firm_id, "uscc": uscc, "name": name, "legal_representative": self.person(),
                    "registered_address": f"四川省泸州市{DISTRICTS[code]}{rng.randint(1, 999)}号",
                    "operating_address": f"四川省泸州市{DISTRICTS[code]}{rng.randint(1, 999)}号",
                    "district_code": code, "business_scope": "档案整理、档案数字化加工、档案寄存保管",
                    "service_types": sorted(rng.sample(SERVICE_TYPES, rng.randint(1, 3))),
                    "premises_area": rng.randint(150, 3000), "premises_ownership": rng.choice(["owned", "leased"]),
                    "premises_security": "门禁、视频监控、防火防盗", "equipment_summary": "扫描仪、内网服务器",
                    "management_systems": "保密、人员、设备、质量管理制度", "liaison_name": self.person(),
                    "liaison_phone_enc": self.phone(), "liaison_email": f"liaison{firm_id}@scale.example.cn",
                    "liaison_confirmed_at": self.now - timedelta(days=rng.randint(1, 120)),
                    "status": status, "grade": rng.choices(["A", "B", "C", "D", None], [25, 40, 20, 5, 10])[0],
                    "good_standing": status == "active" and rng.random() < 0.3,
                    "focus_supervision": rng.random() < 0.05,
                    "valid_until": self.today + timedelta(days=rng.randint(-60, 1000)),
                    "registered_at": None if status == "submitted" else registered,
                    "verification_status": "verified" if status != "submitted" else "pending",
                    "created_at": registered - timedelta(days=rng.randint(1, 30)), "updated_at": self.now,
                })
                self._add_user(w, user_id, f"svendor{i + 1:04d}", f"{name[:8]}用户", "vendor", firm_id=firm_id)
                firm_id += 1
                user_id += 1
            agency_id = _next_id(self.conn, Agency.__table__)
            for i in range(new_agencies):
                code = self.district_codes[i % len(self.district_codes)]
                name = f"{DISTRICTS[code]}{AGENCY_UNITS[(i // 7) % len(AGENCY_UNITS)]}{SCALE_TAG}{i + 1:04d}"
                w.add(Agency.__table__, {
                    "id": agency_id, "uscc": self._uscc(rng.choice(["11", "12"]), code), "name": name,
                    "district_code": code,
                    "agency_type": rng.choice(["government", "public_institution", "state_enterprise"]),
                    "contact_name": self.person(), "contact_phone_enc": self.phone(),
                    "office_id": self.offices.get(code), "created_at": self.now, "updated_at": self.now,
                })
                self._add_user(w, user_id, f"sagency{i + 1:04d}", f"{name[:8]}档案员", "agency", agency_id=agency_id)
                agency_id += 1
                user_id += 1

        self._write("firms, agencies, accounts", (new_firms + new_agencies) * 3, fill)

    def _uscc(self, prefix: str, code: str) -> str:
        while True:
            value = make_uscc(prefix, code, self.rng)
            if value not in self.used_usccs:
                self.used_usccs.add(value)
                return value

    def _add_user(self, w: BulkWriter, user_id: int, username: str, display: str, role: str, **org) -> None:
        w.add(User.__table__, {
            "id": user_id, "username": username, "display_name": display, "email": "", "phone_enc": None,
            "password_hash": self.password_hash, "active": True, "must_change_password": False,
            "failed_logins": 0, "firm_id": org.get("firm_id"), "agency_id": org.get("agency_id"),
            "office_id": None, "password_changed_at": self.now, "created_at": self.now, "updated_at": self.now,
        })
        w.add(UserRole.__table__, {"user_id": user_id, "role": role})

    def load_orgs(self) -> None:
        rows = db.session.execute(select(Firm.id, Firm.district_code, Firm.service_types).order_by(Firm.id)).all()
        self.firms = [(r.id, r.district_code, r.service_types or ["digitisation"]) for r in rows]
        agencies = db.session.execute(select(Agency.id, Agency.district_code, Agency.name).order_by(Agency.id)).all()
        self.agencies = [(a.id, a.district_code, a.name) for a in agencies]
        self.agencies_by_district: dict[str, list] = {}
        for a in self.agencies:
            self.agencies_by_district.setdefault(a[1], []).append(a)
        self.agency_user = dict(db.session.execute(
            select(User.agency_id, func.min(User.id)).where(User.agency_id.is_not(None)).group_by(User.agency_id)).all())
        self.user_names = dict(db.session.execute(select(User.id, User.display_name)).all())
        self.vendor_user = dict(db.session.execute(
            select(User.firm_id, func.min(User.id)).where(User.firm_id.is_not(None)).group_by(User.firm_id)).all())

    def roster(self) -> None:
        from portal.core import crypto

        with_staff = set(db.session.scalars(select(StaffMember.firm_id).distinct()))
        with_certs = set(db.session.scalars(select(Certificate.firm_id).distinct()))
        targets = [f for f in self.firms if f[0] not in with_staff]
        cert_targets = [f for f in self.firms if f[0] not in with_certs]
        per_firm = self.sizes.staff_per_firm

        def fill(w: BulkWriter) -> None:
            rng = self.rng
            staff_id = _next_id(self.conn, StaffMember.__table__)
            for firm_id, district, _types in targets:
                seen: set[str] = set()
                for k in range(per_firm):
                    birth = date(rng.randint(1965, 2002), rng.randint(1, 12), rng.randint(1, 28))
                    number = make_id_number(district, birth, rng)
                    if number in seen:
                        continue
                    seen.add(number)
                    qualified = rng.random() < 0.85
                    contract = self.today - timedelta(days=rng.randint(30, 2000))
                    left = rng.random() < 0.08
                    w.add(StaffMember.__table__, {
                        "id": staff_id, "firm_id": firm_id, "name": self.person(),
                        "id_number_enc": crypto.encrypt(number), "id_number_hash": crypto.lookup_hash(number),
                        "phone_enc": self.phone(),
                        "role": "project_manager" if k == 0 else ("qa" if k == 1 else "operator"),
                        "contract_date": contract, "commitment_date": contract + timedelta(days=1) if qualified else None,
                        "training_days": rng.randint(5, 12) if qualified else rng.randint(0, 4),
                        "assessment_passed": qualified, "background_checked": qualified,
                        "active": not left, "left_at": self.now - timedelta(days=rng.randint(1, 300)) if left else None,
                        "created_at": datetime.combine(contract, datetime.min.time()), "updated_at": self.now,
                    })
                    staff_id += 1
            for firm_id, _district, _types in cert_targets:
                for cert_type in ("business_licence", "iso9001", "secrecy_qualification"):
                    issued = self.today - timedelta(days=rng.randint(30, 1500))
                    w.add(Certificate.__table__, {
                        "firm_id": firm_id, "cert_type": cert_type, "level": "",
                        "number": f"{cert_type[:3].upper()}-{firm_id:05d}-{rng.randint(1000, 9999)}",
                        "issuer": "四川省市场监督管理局", "issued_on": issued,
                        "expires_on": None if cert_type == "business_licence"
                        else self.today + timedelta(days=rng.randint(-30, 1000)),
                        "created_at": self.now, "updated_at": self.now,
                    })

        self._write("staff and certificates", len(targets) * per_firm + len(cert_targets) * 3, fill)
        rows = db.session.execute(
            select(StaffMember.id, StaffMember.firm_id).where(StaffMember.active.is_(True)).order_by(StaffMember.id)).all()
        self.staff_by_firm: dict[int, list[int]] = {}
        for sid, fid in rows:
            self.staff_by_firm.setdefault(fid, []).append(sid)

    def checklists(self) -> None:
        if db.session.scalar(select(func.count(ChecklistTemplate.id))):
            self._load_checklists()
            return

        def fill(w: BulkWriter) -> None:
            template_id = _next_id(self.conn, ChecklistTemplate.__table__)
            for service in SERVICE_TYPES:
                w.add(ChecklistTemplate.__table__, {
                    "id": template_id, "service_type": service, "name": f"{SERVICE_LABELS[service]}检查表",
                    "version": 1, "active": True, "created_at": self.now, "updated_at": self.now})
                for pos in range(12):
                    w.add(ChecklistItem.__table__, {
                        "template_id": template_id, "code": f"{service[:3].upper()}-{pos + 1:02d}",
                        "text": f"{SERVICE_LABELS[service]}检查项 {pos + 1}",
                        "basis": "DA/T 68.2 §5" if pos % 2 else "档案法第42条",
                        "is_security": pos < 4, "position": pos})
                template_id += 1

        self._write("checklists", 6 * 13, fill)
        self._load_checklists()

    def _load_checklists(self) -> None:
        self.templates: dict[str, tuple[int, list[tuple[int, bool]]]] = {}
        # A rectification order lists its items as the portal writes them (rectification.failed_items).
        self.item_texts = {i.id: f"{i.code} {i.text}" for i in db.session.execute(
            select(ChecklistItem.id, ChecklistItem.code, ChecklistItem.text))}
        for t in db.session.scalars(select(ChecklistTemplate).where(ChecklistTemplate.active.is_(True))):
            items = db.session.execute(select(ChecklistItem.id, ChecklistItem.is_security)
                                       .where(ChecklistItem.template_id == t.id).order_by(ChecklistItem.position)).all()
            if items and t.service_type not in self.templates:
                self.templates[t.service_type] = (t.id, [tuple(i) for i in items])

    # -- projects --------------------------------------------------------------------------------
    def projects(self) -> None:
        existing = db.session.scalar(select(func.count(ProjectFiling.id))) or 0
        n = max(0, self.sizes.projects - existing)
        self.project_rows: list[dict] = []
        if n == 0:
            return
        counters = dict(db.session.execute(select(FilingNumberCounter.year, FilingNumberCounter.last_number)).all())
        # Spread over enough years that no year needs more than ~7,000 of the 9,999 four-digit numbers.
        years = max(3, math.ceil(n / 7000) + 1)
        span = timedelta(days=365 * years)
        rng = self.rng
        plans = []
        for _ in range(n):
            submitted = self.now - timedelta(seconds=rng.randint(0, int(span.total_seconds())))
            plans.append(submitted)
        plans.sort()
        next_number = dict(counters)

        def fill(w: BulkWriter) -> None:
            filing_id = _next_id(self.conn, ProjectFiling.__table__)
            for submitted in plans:
                row, transitions = self._project(filing_id, submitted, next_number)
                w.add(ProjectFiling.__table__, row)
                staff = self.staff_by_firm.get(row["firm_id"], [])
                for sid in rng.sample(staff, min(len(staff), rng.randint(2, 4))) if row["submitted_at"] else []:
                    w.add(filing_staff, {"filing_id": filing_id, "staff_id": sid})
                for action, from_state, to_state, at, actor in transitions:
                    w.add(StateTransition.__table__, {
                        "object_type": "project_filing", "object_id": filing_id, "action": action,
                        "from_state": from_state, "to_state": to_state, "actor_id": actor,
                        "actor_name": self.user_names.get(actor, "system"), "at": at, "reason": ""})
                self.project_rows.append(row)
                filing_id += 1
            for year, last in next_number.items():
                if year in counters:
                    self.conn.execute(update(FilingNumberCounter.__table__)
                                      .where(FilingNumberCounter.year == year).values(last_number=last))
                else:
                    w.add(FilingNumberCounter.__table__, {"year": year, "last_number": last})

        self._write("project filings", n * 11, fill)

    def _project(self, filing_id: int, submitted: datetime, numbers: dict[int, int]):
        rng = self.rng
        firm_id, firm_district, services = rng.choice(self.firms)
        pool = self.agencies_by_district.get(firm_district) if rng.random() < 0.7 else None
        agency_id, district, agency_name = rng.choice(pool or self.agencies)
        vendor = self.vendor_user.get(firm_id)
        agency_user = self.agency_user.get(agency_id)
        regulator = rng.choice(self.inspectors) if self.inspectors else None
        steps = [("submit", "draft", "submitted", submitted, vendor)]
        status = "submitted"
        times: dict[str, datetime | None] = dict.fromkeys(
            ("confirmed_at", "registered_at", "started_at", "completed_at", "accepted_at", "closed_at"))
        duration_days = rng.randint(60, 900)

        def step(action: str, to_state: str, after: datetime, lo_days: float, hi_days: float, actor,
                 key: str | None) -> datetime | None:
            nonlocal status
            at = _dt(after + timedelta(seconds=rng.randint(int(lo_days * 86400), int(hi_days * 86400))))
            if at > self.now:
                return None
            steps.append((action, status, to_state, at, actor))
            status = to_state
            if key:
                times[key] = at
            return at

        outcome = rng.random()
        draft = outcome < 0.015 and submitted > self.now - timedelta(days=90)
        at = None if draft else step("confirm", "confirmed", submitted, 0.1, 5, agency_user, "confirmed_at")
        if draft:
            steps, status = [], "draft"
        elif at is not None and outcome < 0.04:
            steps[-1] = ("decline", "submitted", "declined", at, agency_user)
            status, times["confirmed_at"] = "declined", None
        elif at is not None:
            review = step("start_review", "under_review", at, 0.1, 3, regulator, None)
            if review is not None and outcome < 0.07:
                steps[-1] = ("return" if outcome < 0.055 else "reject", "under_review",
                             "returned" if outcome < 0.055 else "rejected", review, regulator)
                status = steps[-1][2]
            elif review is not None and (at := step("register", "registered", review, 0.5, 10, regulator,
                                                     "registered_at")) is not None:
                if (at := step("start_work", "in_progress", at, 1, 25, vendor, "started_at")) is not None:
                    if (at := step("complete", "completed", at, duration_days * 0.8, duration_days, vendor,
                                   "completed_at")) is not None:
                        if (at := step("accept", "accepted", at, 3, 40, agency_user, "accepted_at")) is not None:
                            step("close", "closed", at, 1, 20, vendor, "closed_at")
        submitted_at = None if status == "draft" else submitted
        number = None
        if submitted_at is not None:
            year = submitted.year
            numbers[year] = numbers.get(year, 0) + 1
            if numbers[year] > 9999:
                raise RuntimeError(f"more than 9,999 filings in {year}; lower --projects")
            number = f"LZWB-{year}-{numbers[year]:04d}"
        service = rng.choice(services)
        volumes = rng.randint(200, 20000)
        contract_date = (submitted - timedelta(days=rng.randint(5, 40))).date()
        planned_start = contract_date + timedelta(days=rng.randint(10, 40))
        last_at = steps[-1][3] if steps else submitted
        row = {
            "id": filing_id, "number": number, "firm_id": firm_id, "agency_id": agency_id,
            "district_code": district, "title": f"{agency_name[:12]}{submitted.year}年度档案{SERVICE_LABELS[service]}项目",
            "status": status, "contract_number": f"HT-{submitted.year}-{filing_id:06d}",
            "contract_date": contract_date, "contract_amount": rng.randint(20, 3000) * 1000,
            "contract_scope": f"{SERVICE_LABELS[service]} {volumes} 卷", "quality_standard": "DA/T 31-2017",
            "technical_standard": "DA/T 31-2017", "service_types": [service], "archive_categories": "文书档案",
            "year_from": rng.randint(1950, 2000), "year_to": rng.randint(2001, 2024),
            "quantities": {"volumes": volumes, "pages": volumes * rng.randint(20, 60)},
            "non_classified_declared": status != "draft", "site_type": "agency_premises" if rng.random() < 0.8 else "off_site",
            "site_address": "", "security_checklist": {}, "start_date": planned_start,
            "end_date": planned_start + timedelta(days=duration_days),
            "is_late": rng.random() < 0.04, "submitted_at": submitted_at, **times,
            "delivered_quantities": {"volumes": volumes} if times["completed_at"] else {},
            "data_wipe_confirmed": times["completed_at"] is not None,
            "acceptance_sample_size": rng.randint(50, 400) if times["accepted_at"] else None,
            "acceptance_pass_rate": rng.choice([95.0, 97.5, 99.0, 100.0]) if times["accepted_at"] else None,
            "acceptance_attempts": 1 if times["accepted_at"] else 0,
            "acceptance_opinion": "验收合格" if times["accepted_at"] else "",
            "created_by_id": vendor, "version_id": len(steps) + 1,
            "created_at": submitted - timedelta(hours=rng.randint(1, 72)), "updated_at": last_at,
        }
        return row, steps

    # -- feedback --------------------------------------------------------------------------------
    def feedback(self) -> None:
        target = max(0, self.sizes.feedback - (db.session.scalar(select(func.count(Feedback.id))) or 0))
        if target == 0 or not self.project_rows:
            return
        candidates = []
        total = 0
        for row in self.project_rows:
            if row["started_at"] is None:
                candidates.append(0)
                continue
            end = row["completed_at"] or self.now
            months = (end.year - row["started_at"].year) * 12 + end.month - row["started_at"].month + 1
            k = months + (1 if row["accepted_at"] else 0)
            candidates.append(k)
            total += k
        if total == 0:
            return
        take = min(target, total)

        def fill(w: BulkWriter) -> None:
            rng = self.rng
            cumulative, placed = 0, 0
            for row, k in zip(self.project_rows, candidates, strict=True):
                if k == 0:
                    continue
                cumulative += k
                quota = take * cumulative // total - placed
                if quota <= 0:
                    continue
                placed += quota
                start = row["started_at"]
                keys = []
                y, m = start.year, start.month
                for _ in range(k - (1 if row["accepted_at"] else 0)):
                    keys.append((f"{y:04d}-{m:02d}", datetime(y, m, 1)))
                    y, m = (y + 1, 1) if m == 12 else (y, m + 1)
                if row["accepted_at"]:
                    keys.append(("completion", row["accepted_at"]))
                for period_key, month_start in rng.sample(keys, quota):
                    if period_key == "completion":
                        created = month_start + timedelta(hours=rng.randint(1, 240))
                    else:
                        created = month_start + timedelta(days=rng.randint(20, 30), hours=rng.randint(0, 23))
                    created = min(max(created, start), self.now)
                    ratings = rng.choices((1, 2, 3, 4, 5), (2, 5, 15, 45, 33), k=5)
                    extreme = any(r in (1, 2, 5) for r in ratings)
                    w.add(Feedback.__table__, {
                        "filing_id": row["id"], "agency_id": row["agency_id"], "firm_id": row["firm_id"],
                        "period_key": period_key, "kind": "completion" if period_key == "completion" else "milestone",
                        "quality": ratings[0], "timeliness": ratings[1], "security": ratings[2],
                        "conduct": ratings[3], "communication": ratings[4],
                        "narrative": "按计划推进，质量符合要求。" if extreme else "",
                        "hire_again": sum(ratings) >= 15, "source": "gov_app" if rng.random() < 0.2 else "portal",
                        "created_by_id": self.agency_user.get(row["agency_id"]), "edit_count": 0,
                        "created_at": created, "updated_at": created,
                    })

        self._write("feedback", take, fill)

    # -- inspections -----------------------------------------------------------------------------
    def inspections(self) -> None:
        target = self.sizes.inspection_items - (db.session.scalar(select(func.count(InspectionResult.id))) or 0)
        started = [r for r in self.project_rows if r["started_at"] is not None]
        if target <= 0 or not started or not self.templates:
            return
        rng = self.rng
        now = self.now

        def fill(w: BulkWriter) -> None:
            inspection_id = _next_id(self.conn, Inspection.__table__)
            order_id = _next_id(self.conn, RectificationOrder.__table__)
            order_numbers = set(db.session.scalars(select(RectificationOrder.number)))
            written = 0
            while written < target:
                row = rng.choice(started)
                service = row["service_types"][0]
                template_id, items = self.templates.get(service) or next(iter(self.templates.values()))
                end = row["completed_at"] or now
                checked = _dt(self.at_between(row["started_at"], end))
                pending = rng.random() < 0.06 and checked > now - timedelta(days=60)
                status = rng.choice(["planned", "notified"]) if pending else (
                    "rectification_required" if rng.random() < 0.22 else "passed")
                kind = "random" if rng.random() < 0.6 else "planned"
                w.add(Inspection.__table__, {
                    "id": inspection_id, "firm_id": row["firm_id"], "filing_id": row["id"],
                    "district_code": row["district_code"], "draw_id": None, "template_id": template_id,
                    "kind": kind, "status": status, "planned_on": (checked - timedelta(days=rng.randint(3, 20))).date(),
                    "inspector1_id": rng.choice(self.inspectors) if self.inspectors else None,
                    "inspector2_id": rng.choice(self.inspectors) if self.inspectors else None,
                    "checked_at": None if pending else checked,
                    "findings": "" if status != "rectification_required" else "发现问题，责令整改。",
                    "refused": False, "published": not pending, "published_at": None if pending else checked,
                    "version_id": 1, "created_at": checked - timedelta(days=20), "updated_at": checked,
                })
                if not pending:
                    fails = set(rng.sample(range(len(items)), rng.randint(1, 3))) if status == "rectification_required" else set()
                    failed_codes = []
                    for pos, (item_id, is_security) in enumerate(items):
                        result = "fail" if pos in fails else ("na" if rng.random() < 0.05 else "pass")
                        if result == "fail":
                            failed_codes.append(item_id)
                        w.add(InspectionResult.__table__, {
                            "inspection_id": inspection_id, "item_id": item_id, "result": result,
                            "is_security": is_security, "note": "不符合要求" if result == "fail" else ""})
                        written += 1
                    if status == "rectification_required":
                        self._rectification(w, order_id, inspection_id, row, checked, failed_codes, order_numbers)
                        order_id += 1
                inspection_id += 1

        self._write("inspections, results, rectifications", int(target * 1.2), fill)

    def _rectification(self, w: BulkWriter, order_id: int, inspection_id: int, row: dict, issued: datetime,
                       items: list[int], numbers: set[str]) -> None:
        rng = self.rng
        deadline = issued.date() + timedelta(days=30)
        overdue = deadline < self.today
        status = rng.choices(["verified", "overdue", "escalated", "answered", "rejected"], [85, 5, 3, 4, 3])[0] \
            if overdue else rng.choice(["issued", "answered"])
        number = f"ZG-{issued.year}-{order_id:06d}"
        while number in numbers:
            number += "X"
        numbers.add(number)
        answered_at = _dt(min(issued + timedelta(days=rng.randint(3, 28)), self.now))
        closed = _dt(min(answered_at + timedelta(days=rng.randint(1, 10)), self.now)) if status == "verified" else None
        w.add(RectificationOrder.__table__, {
            "id": order_id, "number": number, "firm_id": row["firm_id"], "district_code": row["district_code"],
            "filing_id": row["id"], "inspection_id": inspection_id, "incident_id": None,
            "items": [self.item_texts.get(i, str(i)) for i in items], "requirement": "限期整改并提交整改报告", "deadline": deadline,
            "status": status, "issued_by_id": rng.choice(self.inspectors) if self.inspectors else None,
            "issued_at": issued, "closed_at": closed, "refused": False, "version_id": 1,
            "created_at": issued, "updated_at": closed or issued,
        })
        if status in ("verified", "answered", "rejected"):
            decision = {"verified": "accepted", "rejected": "rejected"}.get(status)
            w.add(RectificationResponse.__table__, {
                "order_id": order_id, "body": "已按要求完成整改。",
                "submitted_by_id": self.vendor_user.get(row["firm_id"]), "submitted_at": answered_at,
                "decision": decision, "decision_reason": "" if decision != "rejected" else "整改不到位",
                "decided_by_id": rng.choice(self.inspectors) if decision and self.inspectors else None,
                "decided_at": closed if decision == "accepted" else (answered_at if decision else None)})

    # -- alerts, inbox, outbox -------------------------------------------------------------------
    def alerts_inbox_outbox(self) -> None:
        rows = self.project_rows
        if not rows:
            return
        rng = self.rng
        existing_keys = set(db.session.scalars(select(Alert.key)))
        demo_users = list(db.session.scalars(select(User.id).where(
            User.username.in_(["regulator", "district", "lead", "vendor01", "agency01"]))))
        n_alerts = max(1, len(rows) // 20)

        def fill(w: BulkWriter) -> None:
            for row in rng.sample(rows, min(n_alerts, len(rows))):
                rule = rng.choice(ALERT_RULES)
                key = f"{rule}:project_filing:{row['id']}"
                if key in existing_keys:
                    continue
                existing_keys.add(key)
                raised = _dt(self.at_between(row["created_at"], self.now))
                closed = _dt(self.at_between(raised, self.now)) if rng.random() < 0.6 else None
                w.add(Alert.__table__, {
                    "key": key, "rule": rule, "object_type": "project_filing", "object_id": row["id"],
                    "firm_id": row["firm_id"], "district_code": row["district_code"],
                    "severity": rng.choice(["low", "medium", "high"]),
                    "message": "Filing %(number)s needs attention.", "params": {"number": row["number"] or ""},
                    "raised_at": raised, "closed_at": closed, "acknowledged_at": None, "ack_note": ""})
            for user_id in demo_users:
                for _ in range(300):
                    row = rng.choice(rows)
                    created = _dt(self.at_between(self.now - timedelta(days=365), self.now))
                    w.add(Notification.__table__, {
                        "user_id": user_id, "message": "Filing %(number)s changed to %(state)s.",
                        "params": {"number": row["number"] or "", "state": "msg:" + row["status"]},
                        "link": f"/filings/{row['id']}", "created_at": created,
                        "read_at": None if rng.random() < 0.2 else created + timedelta(hours=2)})
            for row in rows[: len(rows) // 4]:
                if row["registered_at"] is None:
                    continue
                w.add(OutboxMessage.__table__, {
                    "kind": "filing.registered", "payload": {"filing": row["number"]},
                    "idempotency_key": f"scale:filing.registered:{row['id']}", "status": "delivered",
                    "attempts": 1, "next_attempt_at": row["registered_at"], "created_at": row["registered_at"],
                    "delivered_at": row["registered_at"] + timedelta(seconds=5), "last_error": ""})

        self._write("alerts, inbox, outbox", n_alerts + len(demo_users) * 300 + len(rows) // 4, fill)

    # -- audit chain -----------------------------------------------------------------------------
    def audit(self) -> None:
        n = self.sizes.audit_rows - (db.session.scalar(select(func.count(AuditEvent.id))) or 0)
        if n <= 0:
            return
        from flask import current_app

        from portal.core.audit import GENESIS, compute_hash

        key = current_app.extensions["audit_key"]
        head = db.session.get(AuditChainHead, 1)
        last_seq, last_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS)
        last_at = db.session.scalar(select(func.max(AuditEvent.at)))
        users = db.session.execute(select(User.id, User.username).order_by(User.id).limit(500)).all()
        filing_ids = [r["id"] for r in self.project_rows] or [1]
        rng = self.rng
        start = min(last_at or self.now, self.now) - timedelta(days=365 * 3) if last_at is None else last_at
        # Generated events sit between the last real event and now, so `at` grows with `seq`.
        step = max((self.now - start).total_seconds() / (n + 1), 0.000001)

        def fill(w: BulkWriter) -> None:
            nonlocal last_seq, last_hash
            base = start
            for i in range(1, n + 1):
                user_id, username = rng.choice(users)
                action = rng.choice(AUDIT_ACTIONS)
                row = {
                    "seq": last_seq + 1, "at": base + timedelta(seconds=step * i),
                    "actor_id": user_id, "actor": username, "role": "", "ip": "127.0.0.1", "action": action,
                    "object_type": "project_filing", "object_id": str(rng.choice(filing_ids)),
                    "outcome": "success", "request_id": None, "detail": "",
                }
                row["prev_hash"] = last_hash
                row["hash"] = compute_hash(key, last_hash, row)
                last_seq, last_hash = row["seq"], row["hash"]
                w.add(AuditEvent.__table__, row)
            w.flush()
            if head is None:
                w.add(AuditChainHead.__table__, {"id": 1, "last_seq": last_seq, "last_hash": last_hash})
            else:
                self.conn.execute(update(AuditChainHead.__table__).where(AuditChainHead.id == 1)
                                  .values(last_seq=last_seq, last_hash=last_hash))

        self._write("audit chain", n, fill)

    def analyze(self) -> None:
        """Planner statistics for the new rows; on PostgreSQL also the visibility map, without which the
        filing list's covering indexes cannot answer from the index alone (index-only scans)."""
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")


def seed_scale(sizes: ScaleSizes, echo: Callable[[str], None] = print, progress: bool = True) -> ScaleReport:
    """Add province-scale data on top of the demo data (seeded first when missing).

    Sizes are totals for the database: a second run with the same sizes adds nothing, one with larger
    sizes adds the difference (feedback, inspections and alerts attach to the projects it adds).
    """
    from portal.seed import database_is_empty, seed_demo

    started = time.perf_counter()
    if database_is_empty():
        # Sizes are totals: the demo scoring periods would add projects and audit rows of their own.
        seed_demo(echo=echo, skip=("scoring periods and results",))
    gen = _Generator(sizes, echo, progress)
    gen.load_context()
    gen.firms_and_agencies()
    gen.load_orgs()
    gen.roster()
    gen.checklists()
    gen.projects()
    gen.feedback()
    gen.inspections()
    gen.alerts_inbox_outbox()
    gen.audit()
    gen.analyze()
    # Bulk inserts bypass the session events: caches in running processes learn of the rows here.
    aggregates.touch(*db.metadata.tables)
    db.session.expire_all()
    return ScaleReport(counts=gen.counts, seconds=time.perf_counter() - started,
                       skipped=not any(gen.counts.values()))
