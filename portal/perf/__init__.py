"""Benchmark baseline: `GET /_bench/baseline`, registered only when BENCH_BASELINE is set, so page
timings can be read as a ratio to the cheapest request the stack can serve (one primary-key query)."""
from __future__ import annotations

from flask import Blueprint, abort, render_template

from portal.extensions import db
from portal.orgs.models import RegulatorOffice
from portal.web.permissions import public

bp = Blueprint("perf", __name__, url_prefix="/_bench")


@bp.route("/baseline")
@public
def baseline():
    office = db.session.get(RegulatorOffice, 1)
    if office is None:
        abort(404)
    return render_template("perf/baseline.html", office=office)
