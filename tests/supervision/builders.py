"""Supervision test helpers: actors for services and small records written straight to the database."""
from __future__ import annotations

from datetime import timedelta

from portal.core import clock
from portal.extensions import db
from portal.firms.models import Certificate
from portal.supervision.models import RectificationOrder
from portal.web.context import actor_for_user


def actor(user):
    return actor_for_user(user)


def certificate(firm, days_left: int, **kw) -> Certificate:
    cert = Certificate(firm_id=firm.id, cert_type=kw.pop("cert_type", "iso27001"),
                       number=kw.pop("number", f"CERT-{firm.id}-{days_left}"),
                       expires_on=clock.today() + timedelta(days=days_left), **kw)
    db.session.add(cert)
    db.session.commit()
    return cert


def order(firm, status: str = "issued", deadline_days: int = 30, number: str | None = None, **kw):
    row = RectificationOrder(number=number or f"ZG-2099-{firm.id:04d}", firm_id=firm.id,
                             district_code=kw.pop("district_code", firm.district_code), items=["x"],
                             requirement="fix it", deadline=clock.today() + timedelta(days=deadline_days),
                             status=status, **kw)
    db.session.add(row)
    db.session.commit()
    return row


def png() -> bytes:
    """A valid 1×1 PNG (passes the upload sniffing by content)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")


def rectification_cast(build):
    """Two regulators of one office, its lead, a firm with a confirmed liaison and the firm's user:
    (regulator, second regulator, lead, firm, vendor)."""
    office = build.office()
    r1 = build.user("regulator", office_id=office.id)
    r2 = build.user("regulator", office_id=office.id)
    lead = build.user("regulator", "lead", office_id=office.id)
    firm = build.firm(liaison_confirmed_at=clock.utcnow())
    vendor = build.user("vendor", firm_id=firm.id)
    return r1, r2, lead, firm, vendor


def failed_inspection(r1, r2, firm):
    """An inspection of `firm` by r1 and r2, recorded with its first item failed, the rest passed."""
    from portal.supervision import inspections

    inspection = inspections.plan_inspection(actor(r1), firm.id, clock.today(), r1.id, r2.id)
    items = inspections.template_items(inspection.template_id)
    results = [inspections.ItemResult(i.id, "pass") for i in items]
    results[0] = inspections.ItemResult(items[0].id, "fail", "No written responsibility rules")
    inspections.record_results(actor(r1), inspection.id, results)
    return inspection
