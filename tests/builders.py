"""Test data builders: small, explicit, valid by default (override any field by keyword)."""
from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

from portal.auth import accounts
from portal.core import clock
from portal.core.context import Actor, reset_actor, set_actor
from portal.core.identifiers import make_id_number, make_uscc
from portal.extensions import db
from portal.firms.models import Firm
from portal.orgs.models import Agency, RegulatorOffice

PASSWORD = "Test#2026pass!"
_counter = itertools.count(1)


class Builder:
    def __init__(self, seed: int = 7):
        self.rng = random.Random(seed)

    def _n(self) -> int:
        return next(_counter)

    def office(self, level: str = "city", district_code: str | None = None, **kw) -> RegulatorOffice:
        office = RegulatorOffice(name=kw.pop("name", f"Office {self._n()}"), level=level,
                                 district_code=district_code if level == "district" else None, **kw)
        db.session.add(office)
        db.session.commit()
        return office

    def firm(self, district_code: str = "510502", status: str = "active", **kw) -> Firm:
        n = self._n()
        firm = Firm(
            uscc=kw.pop("uscc", None) or make_uscc("91", district_code, self.rng),
            name=kw.pop("name", f"Test Archive Services {n} Ltd"),
            legal_representative=kw.pop("legal_representative", "Zhang San"),
            district_code=district_code,
            status=status,
            service_types=kw.pop("service_types", ["digitisation"]),
            valid_until=kw.pop("valid_until", clock.today() + timedelta(days=300)),
            **kw,
        )
        db.session.add(firm)
        db.session.commit()
        return firm

    def agency(self, district_code: str = "510502", **kw) -> Agency:
        n = self._n()
        agency = Agency(uscc=kw.pop("uscc", None) or make_uscc("11", district_code, self.rng),
                        name=kw.pop("name", f"Test Agency {n}"), district_code=district_code, **kw)
        db.session.add(agency)
        db.session.commit()
        return agency

    def user(self, *roles: str, username: str | None = None, **org):
        roles = roles or ("vendor",)
        if "vendor" in roles and "firm_id" not in org:
            org["firm_id"] = self.firm().id
        if "agency" in roles and "agency_id" not in org:
            org["agency_id"] = self.agency().id
        if ("regulator" in roles or "lead" in roles) and "office_id" not in org:
            org["office_id"] = self.office().id
        token = set_actor(Actor(username="test-builder"))
        try:
            user = accounts.create_user(
                username=username or f"{roles[0]}{self._n()}", display_name=f"{roles[0].title()} User",
                password=PASSWORD, roles=list(roles), must_change_password=org.pop("must_change_password", False),
                **org,
            )
        finally:
            reset_actor(token)
        return user

    def district_regulator(self, district_code: str = "510502"):
        office = self.office("district", district_code)
        return self.user("regulator", office_id=office.id)

    def id_number(self, birth: date = date(1990, 5, 17), division: str = "510502") -> str:
        return make_id_number(division, birth, self.rng)

    def staff(self, firm, qualified: bool = True, **kw):
        """A roster entry; qualified = contract, commitment, 5 training days, passed assessment."""
        from portal.core import crypto
        from portal.firms.models import StaffMember

        id_number = kw.pop("id_number", None) or self.id_number()
        member = StaffMember(
            firm_id=firm.id,
            name=kw.pop("name", f"Worker {self._n()}"),
            id_number_enc=crypto.encrypt(id_number),
            id_number_hash=crypto.lookup_hash(id_number),
            phone_enc=crypto.encrypt(kw.pop("phone", "13812345678")),
            role=kw.pop("role", "operator"),
            contract_date=kw.pop("contract_date", date(2025, 1, 2) if qualified else None),
            commitment_date=kw.pop("commitment_date", date(2025, 1, 3) if qualified else None),
            training_days=kw.pop("training_days", 5 if qualified else 1),
            assessment_passed=kw.pop("assessment_passed", qualified),
            **kw,
        )
        db.session.add(member)
        db.session.commit()
        return member

    def filing(self, firm=None, agency=None, status: str = "registered", **kw):
        """A project filing written straight to the database in any state (no workflow run)."""
        from portal.filings.models import ProjectFiling

        firm = firm or self.firm()
        agency = agency or self.agency(district_code=firm.district_code)
        n = self._n()
        today = clock.today()
        now = clock.utcnow()
        numbered = status not in ("draft",)
        filing = ProjectFiling(
            number=kw.pop("number", f"LZWB-{today.year}-{9000 + n % 1000:04d}" if numbered else None),
            firm_id=firm.id,
            agency_id=agency.id,
            district_code=kw.pop("district_code", agency.district_code),
            title=kw.pop("title", f"Digitisation project {n}"),
            status=status,
            contract_number=kw.pop("contract_number", f"HT-{n}"),
            contract_date=kw.pop("contract_date", today - timedelta(days=40)),
            contract_amount=kw.pop("contract_amount", 120000),
            contract_scope=kw.pop("contract_scope", "Digitise 2,000 volumes of documentary archives"),
            quality_standard=kw.pop("quality_standard", "DA/T 31-2017"),
            technical_standard=kw.pop("technical_standard", "DA/T 31-2017 image requirements"),
            service_types=kw.pop("service_types", ["digitisation"]),
            quantities=kw.pop("quantities", {"volumes": 2000, "pages": 80000}),
            non_classified_declared=kw.pop("non_classified_declared", True),
            start_date=kw.pop("start_date", today + timedelta(days=10)),
            end_date=kw.pop("end_date", today + timedelta(days=120)),
            submitted_at=kw.pop("submitted_at", now if numbered else None),
            **kw,
        )
        db.session.add(filing)
        db.session.commit()
        return filing
