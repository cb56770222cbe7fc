"""Public firm directory (`/directory`, no login): search by name, district and service type."""
from __future__ import annotations

from flask import render_template, request

from portal.domain.constants import SERVICE_TYPES
from portal.domain.identifiers import DISTRICTS
from portal.permissions import public
from portal.public import bp
from portal.services import directory as directory_service


@bp.route("/directory")
@public
def directory():
    q = request.args.get("q", "").strip()[:100]
    district = request.args.get("district", "")
    service_type = request.args.get("service_type", "")
    page = directory_service.search(q, district if district in DISTRICTS else "",
                                    service_type if service_type in SERVICE_TYPES else "",
                                    request.args.get("page", 1, type=int))
    return render_template("public/directory.html", page=page, q=q, district=district, service_type=service_type,
                           districts=DISTRICTS, service_types=SERVICE_TYPES)
