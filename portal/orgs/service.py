"""System admin's organisation records: agencies (立档单位) and regulator offices."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, or_, select

from portal.core import audit, crypto, transactions
from portal.core.constants import OFFICE_LEVELS
from portal.core.errors import NotFound, ValidationFailed
from portal.core.identifiers import (
    DISTRICTS,
    normalize_mobile,
    normalize_uscc,
    validate_mobile,
    validate_uscc,
)
from portal.core.msgids import N_
from portal.core.textmatch import contains
from portal.extensions import db
from portal.orgs.models import Agency, RegulatorOffice

DISTRICT_UNKNOWN = N_("Choose a district of Luzhou.")


@dataclass
class AgencyData:
    name: str
    uscc: str
    district_code: str
    agency_type: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    office_id: int | None = None


@dataclass
class OfficeData:
    name: str
    level: str
    district_code: str | None = None


def search_agencies(q: str = "", district_code: str = "") -> Select:
    stmt = select(Agency).order_by(Agency.district_code, Agency.name)
    if q:
        stmt = stmt.where(or_(contains(Agency.name, q.strip()), contains(Agency.uscc, q.strip())))
    if district_code:
        stmt = stmt.where(Agency.district_code == district_code)
    return stmt


def get_agency(agency_id: int) -> Agency:
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        raise NotFound()
    return agency


def agency_phone(agency: Agency) -> str:
    return crypto.decrypt(agency.contact_phone_enc) if agency.contact_phone_enc else ""


def _check_agency(data: AgencyData, agency_id: int | None) -> AgencyData:
    data.uscc = normalize_uscc(data.uscc)
    data.name = data.name.strip()
    errors: dict[str, list] = {}
    uscc_problems = validate_uscc(data.uscc)
    if uscc_problems:
        errors["uscc"] = uscc_problems
    else:
        clash = db.session.scalar(select(Agency.id).where(Agency.uscc == data.uscc))
        if clash is not None and clash != agency_id:
            errors["uscc"] = [N_("Another agency already has this credit code.")]
    if data.district_code not in DISTRICTS:
        errors["district_code"] = [DISTRICT_UNKNOWN]
    if data.contact_phone:
        data.contact_phone = normalize_mobile(data.contact_phone)
        phone_problems = validate_mobile(data.contact_phone)
        if phone_problems:
            errors["contact_phone"] = phone_problems
    if data.office_id is not None and db.session.get(RegulatorOffice, data.office_id) is None:
        errors["office_id"] = [N_("Choose an existing office.")]
    if errors:
        raise ValidationFailed(errors)
    return data


def _apply_agency(agency: Agency, data: AgencyData) -> None:
    agency.name = data.name
    agency.uscc = data.uscc
    agency.district_code = data.district_code
    agency.agency_type = data.agency_type
    agency.contact_name = data.contact_name
    agency.contact_phone_enc = crypto.encrypt(data.contact_phone) if data.contact_phone else None
    agency.office_id = data.office_id


def create_agency(data: AgencyData) -> Agency:
    data = _check_agency(data, None)
    agency = Agency()
    _apply_agency(agency, data)
    db.session.add(agency)
    db.session.flush()
    audit.record("agency.created", "agency", agency.id, detail={"name": agency.name, "uscc": agency.uscc})
    transactions.commit()
    return agency


def update_agency(agency_id: int, data: AgencyData) -> Agency:
    agency = get_agency(agency_id)
    data = _check_agency(data, agency.id)
    before = {"name": agency.name, "uscc": agency.uscc, "district_code": agency.district_code}
    _apply_agency(agency, data)
    audit.record("agency.updated", "agency", agency.id, detail={
        "before": before, "after": {"name": agency.name, "uscc": agency.uscc, "district_code": agency.district_code},
    })
    transactions.commit()
    return agency


def list_offices() -> list[RegulatorOffice]:
    return list(db.session.scalars(
        select(RegulatorOffice).order_by(RegulatorOffice.level, RegulatorOffice.district_code, RegulatorOffice.name)
    ))


def get_office(office_id: int) -> RegulatorOffice:
    office = db.session.get(RegulatorOffice, office_id)
    if office is None:
        raise NotFound()
    return office


def _check_office(data: OfficeData, office_id: int | None) -> OfficeData:
    data.name = data.name.strip()
    errors: dict[str, list] = {}
    if data.level not in OFFICE_LEVELS:
        errors["level"] = [N_("Choose city or district.")]
    if data.level == "district":
        if data.district_code not in DISTRICTS:
            errors["district_code"] = [N_("A district office needs its district.")]
    else:
        data.district_code = None  # a city office covers the whole city
    clash = db.session.scalar(select(RegulatorOffice.id).where(RegulatorOffice.name == data.name))
    if clash is not None and clash != office_id:
        errors["name"] = [N_("Another office already has this name.")]
    if errors:
        raise ValidationFailed(errors)
    return data


def create_office(data: OfficeData) -> RegulatorOffice:
    data = _check_office(data, None)
    office = RegulatorOffice(name=data.name, level=data.level, district_code=data.district_code)
    db.session.add(office)
    db.session.flush()
    audit.record("office.created", "regulator_office", office.id,
                 detail={"name": office.name, "level": office.level, "district_code": office.district_code})
    transactions.commit()
    return office


def update_office(office_id: int, data: OfficeData) -> RegulatorOffice:
    office = get_office(office_id)
    data = _check_office(data, office.id)
    before = {"name": office.name, "level": office.level, "district_code": office.district_code}
    office.name, office.level, office.district_code = data.name, data.level, data.district_code
    audit.record("office.updated", "regulator_office", office.id, detail={
        "before": before, "after": {"name": office.name, "level": office.level, "district_code": office.district_code},
    })
    transactions.commit()
    return office
