"""Builders for project-filing tests: an eligible firm, complete draft data, acting as a user."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from portal.core import clock
from portal.core.context import reset_actor, set_actor
from portal.extensions import db
from portal.filings import service as filings
from portal.filings.models import ProjectFiling
from portal.firms.models import Certificate
from portal.web.context import actor_for_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


WORK_PLAN = {
    "plan_goals": "Digitise and index",
    "plan_procedure": "Hand-over, preparation, scanning, image processing, checks, return",
    "plan_hardware_software": "Two overhead scanners, an offline processing server",
    "plan_staffing": "One project lead, one checker, four operators",
    "plan_indicators": "Indexing accuracy at least 99%",
    "plan_acceptance_basis": "DA/T 31-2017; at least 5% sampled",
    "plan_security": "Offline machines, logged dedicated media, video kept 90 days",
    "plan_schedule": "Eight weeks in three stages",
    "plan_risk_control": "Emergency plan for damage and data leaks",
}


@contextmanager
def acting_as(user):
    token = set_actor(actor_for_user(user))
    try:
        yield
    finally:
        reset_actor(token)


def licence(firm, expires_in_days: int = 365, cert_type: str = "business_licence", number: str = "BL-1"):
    cert = Certificate(firm_id=firm.id, cert_type=cert_type, number=number, issuer="Luzhou AMR",
                       issued_on=clock.today() - timedelta(days=400),
                       expires_on=clock.today() + timedelta(days=expires_in_days))
    db.session.add(cert)
    db.session.commit()
    return cert


def draft_data(agency, **overrides) -> dict:
    today = clock.today()
    data = {
        "title": "Digitisation of documentary archives 1980-2000",
        "agency_id": agency.id,
        "contract_number": "HT-2026-001",
        "contract_date": today - timedelta(days=5),
        "contract_amount": "180000.00",
        "contract_scope": "Digitise 2,000 volumes of documentary archives",
        "quality_standard": "DA/T 31-2017",
        "technical_standard": "300 dpi colour TIFF, OCR text layer",
        "service_types": ["digitisation"],
        "archive_categories": "documentary",
        "year_from": 1980,
        "year_to": 2000,
        "non_classified_declared": True,
        "site_type": "agency_premises",
        **WORK_PLAN,
        "start_date": today + timedelta(days=10),
        "end_date": today + timedelta(days=100),
        "quantities": {"volumes": 2000, "pages": 80000},
        "security_checklist": {"network_isolation": True, "dedicated_media": True, "video_retention_days": 90},
    }
    data.update(overrides)
    return data


class FilingWorld:
    """A firm with a licence, a vendor, qualified staff, an agency with its user and regulators."""

    def __init__(self, build, district: str = "510502"):
        self.build = build
        self.firm = build.firm(district_code=district)
        licence(self.firm)
        self.vendor = build.user("vendor", firm_id=self.firm.id)
        self.staff = [build.staff(self.firm, name="Li Si"), build.staff(self.firm, name="Wang Wu")]
        self.agency = build.agency(district_code=district)
        self.agency_user = build.user("agency", agency_id=self.agency.id)
        self.regulator = build.user("regulator")
        self.district_regulator = build.district_regulator(district)

    def draft(self, **overrides) -> ProjectFiling:
        with acting_as(self.vendor):
            return filings.save_draft(draft_data(self.agency, **overrides), staff_ids=[m.id for m in self.staff])

    def submitted(self, **overrides) -> ProjectFiling:
        filing = self.draft(**overrides)
        with acting_as(self.vendor):
            return filings.submit_filing(filing.id)

    def advance(self, filing, *steps):
        """Run workflow actions as the right user: ('confirm', 'register', ...)."""
        who = {"confirm": self.agency_user, "decline": self.agency_user, "start_review": self.regulator,
               "return": self.regulator, "reject": self.regulator, "register": self.regulator,
               "start_work": self.vendor, "close": self.vendor, "submit": self.vendor}
        for step in steps:
            if step == "complete":
                with acting_as(self.vendor):
                    filings.report_completion(filing.id, delivered_quantities={"volumes": 2000},
                                              data_wipe_confirmed=True, handback=("handback.pdf", PDF))
            elif step in ("accept", "fail_acceptance"):
                with acting_as(self.agency_user):
                    filings.record_acceptance(filing.id, passed=step == "accept", sample_size=100,
                                              pass_rate=98 if step == "accept" else 80,
                                              opinion="" if step == "accept" else "Rework 20 blurred images")
            else:
                with acting_as(who[step]):
                    filings.transition(filing.id, step, reason=f"reason for {step}")
        db.session.expire_all()
        return db.session.get(ProjectFiling, filing.id)
