"""Demo data for the firms area: rosters, certificates, one pending self-registration, one change request.

The pending application's reference is `DEMO-0000-0000-0001` (only its hash is stored, as for real
applications), so the applicant's status page can be tried in the demo.
"""
from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta

from sqlalchemy import select

from portal.auth import accounts
from portal.auth.models import User
from portal.core import clock, crypto
from portal.core.context import Actor, reset_actor, set_actor
from portal.core.identifiers import make_id_number, make_uscc
from portal.extensions import db
from portal.firms.models import Certificate, Firm, FirmChangeRequest, StaffMember

DEMO_APPLICATION_REFERENCE = "DEMO-0000-0000-0001"
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "桂英", "建华", "晓东"]
ROLES = ["project_manager", "qa", "operator", "operator", "operator", "operator", "other"]


def seed(rng: random.Random) -> None:
    token = set_actor(Actor(username="seed-demo"))
    try:
        firms = list(db.session.scalars(select(Firm).where(Firm.application_ref_hash.is_(None)).order_by(Firm.id)))
        today = clock.today()
        for index, firm in enumerate(firms):
            _roster(firm, rng, today)
            _certificates(firm, index, len(firms), rng, today)
        db.session.flush()
        _pending_application(rng)
        _change_request(firms)
    finally:
        reset_actor(token)


def _roster(firm: Firm, rng: random.Random, today: date) -> None:
    if db.session.scalar(select(StaffMember.id).where(StaffMember.firm_id == firm.id)) is not None:
        return
    seen: set[str] = set()
    for n in range(rng.randint(6, 15)):
        birth = date(rng.randint(1968, 2001), rng.randint(1, 12), rng.randint(1, 28))
        number = make_id_number(firm.district_code, birth, rng)
        if number in seen:
            continue
        seen.add(number)
        qualified = rng.random() < 0.8
        gap = rng.choice(["training", "commitment", "assessment"]) if not qualified else None
        db.session.add(StaffMember(
            firm_id=firm.id,
            name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            id_number_enc=crypto.encrypt(number),
            id_number_hash=crypto.lookup_hash(number),
            phone_enc=crypto.encrypt(f"1{rng.choice('3578')}{rng.randint(100000000, 999999999)}"),
            role=ROLES[0] if n == 0 else rng.choice(ROLES[1:]),
            contract_date=today - timedelta(days=rng.randint(60, 1500)),
            commitment_date=None if gap == "commitment" else today - timedelta(days=rng.randint(30, 700)),
            training_days=rng.randint(1, 4) if gap == "training" else rng.randint(5, 12),
            assessment_passed=gap != "assessment",
            background_checked=rng.random() < 0.9,
            active=rng.random() < 0.93,
        ))


def _certificates(firm: Firm, index: int, total: int, rng: random.Random, today: date) -> None:
    if db.session.scalar(select(Certificate.id).where(Certificate.firm_id == firm.id)) is not None:
        return

    def add(cert_type: str, number: str, issuer: str, expires: date | None, level: str = "") -> None:
        issued = (expires or today) - timedelta(days=rng.randint(700, 1800))
        db.session.add(Certificate(firm_id=firm.id, cert_type=cert_type, level=level, number=number, issuer=issuer,
                                   issued_on=issued, expires_on=expires))

    # A few certificates expire within 60 days so the alerts and home panels have something to show.
    soon = index % 9 == 4
    add("business_licence", firm.uscc, "泸州市市场监督管理局",
        today + timedelta(days=rng.randint(20, 55)) if soon else today + timedelta(days=rng.randint(400, 3000)))
    if index % 4 == 0:
        level = rng.choice(["二级", "三级"])
        firm.secrecy_level = firm.secrecy_level or level
        add("secrecy_qualification", f"BM{rng.randint(10000000, 99999999)}", "四川省国家保密局",
            today + timedelta(days=rng.randint(200, 1000)), level)
    if index % 2 == 0:
        add("iso9001", f"ISO9001-{rng.randint(100000, 999999)}", "中国质量认证中心",
            today + timedelta(days=rng.randint(30, 59)) if index % 10 == 2 else today + timedelta(days=rng.randint(200, 1000)))
    if index % 3 == 0:
        # One firm's ISO 27001 certificate has already expired (it is not mandatory, so it only warns).
        expired = index == total - 1 or index == 24
        add("iso27001", f"ISO27001-{rng.randint(100000, 999999)}", "中国网络安全审查认证和市场监管大数据中心",
            today - timedelta(days=12) if expired else today + timedelta(days=rng.randint(200, 1000)))


def _pending_application(rng: random.Random) -> None:
    ref_hash = hashlib.sha256(DEMO_APPLICATION_REFERENCE.encode()).hexdigest()
    if db.session.scalar(select(Firm.id).where(Firm.application_ref_hash == ref_hash)) is not None:
        return
    firm = Firm(
        uscc=make_uscc("91", "510504", rng),
        name="泸州新档数字科技有限公司",
        legal_representative="周新",
        registered_address="四川省泸州市龙马潭区蜀泸大道88号",
        operating_address="四川省泸州市龙马潭区蜀泸大道88号",
        district_code="510504",
        business_scope="档案数字化加工、档案整理服务",
        service_types=["arrangement", "digitisation"],
        premises_area=420,
        premises_ownership="leased",
        premises_security="门禁、视频监控、防火设施",
        equipment_summary="高速扫描仪4台、专用加工计算机12台（无互联网）",
        management_systems="保密管理制度、质量管理制度",
        liaison_name="周联络",
        liaison_phone_enc=crypto.encrypt("13980001234"),
        status="submitted",
        application_ref_hash=ref_hash,
        verification_status="not_checked",
    )
    db.session.add(firm)
    db.session.flush()
    if db.session.scalar(select(User.id).where(User.username == "applicant01")) is None:
        from portal.seed import DEMO_PASSWORD

        accounts.create_user(username="applicant01", display_name="周新", password=DEMO_PASSWORD, roles=["vendor"],
                             firm_id=firm.id, active=False, must_change_password=False, commit=False)
    from portal.core import timeline

    timeline.record_transition("firm", firm, "submit", "draft", "submitted",
                               audit_detail={"self_registration": True, "seed": True})


def _change_request(firms: list[Firm]) -> None:
    if not firms or db.session.scalar(select(FirmChangeRequest.id)) is not None:
        return
    firm = firms[0]
    user_id = db.session.scalar(select(User.id).where(User.firm_id == firm.id).order_by(User.id))
    db.session.add(FirmChangeRequest(
        firm_id=firm.id, status="submitted", submitted_by_id=user_id,
        old_values={"legal_representative": firm.legal_representative, "business_scope": firm.business_scope},
        new_values={"legal_representative": "陈新法", "business_scope": firm.business_scope + "、档案数据库建设"},
    ))
