"""Demo organisations and accounts (DESIGN §6)."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from portal.auth import accounts
from portal.auth.models import User
from portal.core import clock, crypto
from portal.core.context import Actor, reset_actor, set_actor
from portal.core.identifiers import DISTRICTS, make_uscc
from portal.extensions import db
from portal.firms.models import Firm
from portal.orgs.models import Agency, RegulatorOffice

FIRM_WORDS = [
    "恒信", "瑞达", "博文", "鑫档", "汇智", "华典", "金泸", "天府", "川南", "酒城", "长江", "沱江",
    "明远", "卓越", "诚信", "安和", "佳禾", "启航", "润泽", "锦程", "致远", "弘毅", "嘉信", "同创",
    "宏图", "兴业", "德润",
]
FIRM_KINDS = ["档案服务有限公司", "档案管理咨询有限公司", "数字科技有限公司", "信息技术有限公司"]
AGENCY_UNITS = [
    "教育局", "卫生健康委员会", "自然资源和规划局", "人力资源和社会保障局", "住房和城乡建设局", "财政局",
    "民政局", "交通运输局", "农业农村局", "市场监督管理局",
]
SERVICE_SETS = [
    ["arrangement", "digitisation"], ["digitisation"], ["arrangement", "storage"],
    ["arrangement", "digitisation", "consulting"], ["storage", "exploitation"], ["digitisation", "destruction"],
]


def _office(name: str, level: str, district: str | None) -> RegulatorOffice:
    office = db.session.scalar(select(RegulatorOffice).where(RegulatorOffice.name == name))
    if office is None:
        office = RegulatorOffice(name=name, level=level, district_code=district)
        db.session.add(office)
        db.session.flush()
    return office


def _user(username: str, display: str, roles: list[str], **org) -> None:
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        return
    from portal.seed import DEMO_PASSWORD

    if "hash" not in _HASH_CACHE:  # one argon2 hash serves every demo account (same password)
        _HASH_CACHE["hash"] = accounts.hash_password(DEMO_PASSWORD)
    accounts.create_user(username=username, display_name=display, password=DEMO_PASSWORD, roles=roles,
                         must_change_password=False, commit=False, precomputed_hash=_HASH_CACHE["hash"], **org)


_HASH_CACHE: dict[str, str] = {}

# A user's display name is a person's name: it is what timelines, audit and inboxes show. Picked by
# index (not from the shared random stream, so the rest of the demo data stays as it was).
SURNAMES = "陈林黄张李王吴刘蔡杨许郑谢洪郭邱曾廖赖徐周叶苏庄吕江何罗高潘"
GIVEN_NAMES = ("佳怡", "志强", "秀英", "建华", "丽娟", "海涛", "晓燕", "国强", "玉兰", "文杰", "静怡", "明辉",
               "雪梅", "俊杰", "桂芳", "浩然", "春燕", "子涵", "德明", "婷婷", "宏伟", "小芳", "天佑")


def person_name(index: int) -> str:
    return SURNAMES[index % len(SURNAMES)] + GIVEN_NAMES[(index * 7) % len(GIVEN_NAMES)]


def seed(rng: random.Random) -> None:
    token = set_actor(Actor(username="seed-demo"))
    try:
        _seed(rng)
    finally:
        reset_actor(token)


def _seed(rng: random.Random) -> None:
    city = _office("泸州市档案局监督指导科", "city", None)
    districts = list(DISTRICTS.items())
    offices = {code: _office(f"{name}档案局", "district", code) for code, name in districts}
    _user("regulator", "王监管", ["regulator"], office_id=city.id)
    _user("district", "李区监管", ["regulator"], office_id=offices["510502"].id)
    _user("lead", "张科长", ["regulator", "lead"], office_id=city.id)
    _user("sysadmin", "系统管理员", ["sysadmin"])
    _user("secadmin", "安全管理员", ["secadmin"])
    _user("auditor", "审计管理员", ["auditor"])

    today = clock.today()
    for i in range(27):
        code, _district_name = districts[i % len(districts)]
        uscc = make_uscc("91", code, rng)
        firm = db.session.scalar(select(Firm).where(Firm.name.like(f"泸州{FIRM_WORDS[i]}%")))
        if firm is None:
            firm = Firm(
                uscc=uscc,
                name=f"泸州{FIRM_WORDS[i]}{FIRM_KINDS[i % len(FIRM_KINDS)]}",
                legal_representative=rng.choice("赵钱孙李周吴郑王冯陈") + rng.choice(["伟", "芳", "敏", "强", "磊", "洋", "静", "杰"]),
                registered_address=f"四川省泸州市{DISTRICTS[code]}{rng.randint(1, 300)}号",
                operating_address=f"四川省泸州市{DISTRICTS[code]}{rng.randint(1, 300)}号",
                district_code=code,
                business_scope="档案整理、档案数字化加工、档案寄存保管、档案管理咨询服务",
                service_types=SERVICE_SETS[i % len(SERVICE_SETS)],
                premises_area=rng.randint(200, 2000),
                premises_ownership=rng.choice(["owned", "leased"]),
                premises_security="门禁、视频监控全覆盖（保存90天）、防火防盗、恒温恒湿",
                equipment_summary="高速扫描仪、平板扫描仪、内网服务器、专用加工计算机（无互联网）",
                management_systems="保密管理制度、人员管理制度、设备与介质管理制度、质量管理制度",
                liaison_name=rng.choice("赵钱孙李周吴郑王") + "联络",
                liaison_phone_enc=crypto.encrypt(f"13{rng.randint(100000000, 999999999)}"),
                liaison_email=f"contact{i + 1:02d}@firm{i + 1:02d}.example.cn",
                liaison_confirmed_at=clock.utcnow() - timedelta(days=rng.randint(1, 60)),
                status="active",
                valid_until=today + timedelta(days=rng.randint(40, 360)),
                registered_at=clock.utcnow() - timedelta(days=rng.randint(100, 700)),
                verification_status="verified",
            )
            db.session.add(firm)
            db.session.flush()
        _user(f"vendor{i + 1:02d}", person_name(i), ["vendor"], firm_id=firm.id)

    for i in range(40):
        code, district_name = districts[i % len(districts)]
        unit = AGENCY_UNITS[i % len(AGENCY_UNITS)]
        # The first ten are city bodies; the rest district bodies (district and unit pairs never repeat).
        name = f"泸州市{unit}" if i < 10 else f"{district_name}{unit}"
        agency = db.session.scalar(select(Agency).where(Agency.name == name))
        if agency is None:
            agency = Agency(
                uscc=make_uscc("11", code, rng),
                name=name,
                district_code=code,
                agency_type=rng.choice(["government", "public_institution", "state_enterprise"]),
                contact_name=rng.choice("赵钱孙李周吴郑王") + "档案员",
                contact_phone_enc=crypto.encrypt(f"139{rng.randint(10000000, 99999999)}"),
                office_id=offices[code].id,
            )
            db.session.add(agency)
            db.session.flush()
        _user(f"agency{i + 1:02d}", person_name(100 + i), ["agency"], agency_id=agency.id)
