"""Test data builders: small, explicit, valid by default (override any field by keyword)."""
from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

from portal import clock
from portal.context import Actor, reset_actor, set_actor
from portal.domain.identifiers import make_id_number, make_uscc
from portal.extensions import db
from portal.models import Agency, Firm, RegulatorOffice
from portal.services import accounts

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
