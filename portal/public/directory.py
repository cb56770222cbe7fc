"""Public firm directory (`/directory`, no login): search by name, district and service type."""
from __future__ import annotations

from flask import render_template, request

from portal.core.constants import SERVICE_TYPES
from portal.core.identifiers import DISTRICTS
from portal.public import queries as directory_service
from portal.public.blueprint import bp
from portal.web.params import int_arg
from portal.web.permissions import public


@bp.route("/directory")
@public
def directory():
    q = request.args.get("q", "").strip()[:100]
    district = request.args.get("district", "")
    service_type = request.args.get("service_type", "")
    page = directory_service.search(q, district if district in DISTRICTS else "",
                                    service_type if service_type in SERVICE_TYPES else "",
                                    int_arg("page", 1))
    return render_template("public/directory.html", page=page, q=q, district=district, service_type=service_type,
                           districts=DISTRICTS, service_types=SERVICE_TYPES)
