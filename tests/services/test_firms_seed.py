"""Demo seed of the firms area: rosters, certificates, one application and one change request; idempotent."""
import random

from sqlalchemy import func, select

from portal.core import clock, crypto
from portal.core.identifiers import validate_id_number
from portal.extensions import db
from portal.firms import service as firm_service
from portal.firms.models import Certificate, Firm, FirmChangeRequest, StaffMember
from portal.seed import firms as firm_seed
from portal.seed import orgs


def test_seed_builds_rosters_certificates_and_pending_items_once(app):
    orgs.seed(random.Random(1))
    firm_seed.seed(random.Random(2))
    db.session.commit()
    counts = dict(db.session.execute(select(StaffMember.firm_id, func.count()).group_by(StaffMember.firm_id)).all())
    assert len(counts) == 27 and all(6 <= n <= 15 for n in counts.values())
    members = list(db.session.scalars(select(StaffMember)))
    assert all(validate_id_number(crypto.decrypt(m.id_number_enc)) == [] for m in members)
    qualified = sum(m.is_qualified for m in members)
    assert len(members) * 0.6 < qualified < len(members)
    today = clock.today()
    firms = list(db.session.scalars(select(Firm).where(Firm.application_ref_hash.is_(None))))
    assert all(firm_service.blocking_certificate_problems(f, today) == [] for f in firms)
    certs = list(db.session.scalars(select(Certificate)))
    assert any(c.expires_on < today for c in certs)
    assert sum(1 for c in certs if today <= c.expires_on <= today + firm_service.timedelta(days=60)) >= 2
    assert {c.cert_type for c in certs} >= {"business_licence", "secrecy_qualification", "iso9001", "iso27001"}
    pending = firm_service.application_by_reference(firm_seed.DEMO_APPLICATION_REFERENCE)
    assert pending.status == "submitted"
    assert db.session.scalar(select(func.count(FirmChangeRequest.id))) == 1
    before = db.session.scalar(select(func.count(StaffMember.id)))
    firm_seed.seed(random.Random(2))
    db.session.commit()
    assert db.session.scalar(select(func.count(StaffMember.id))) == before
    assert db.session.scalar(select(func.count(FirmChangeRequest.id))) == 1
