"""Searching, sorting and exporting the project filings an actor may see (one scoped query)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import astuple, dataclass
from datetime import date, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Select, String, cast, func, or_, select
from sqlalchemy.orm import joinedload, lazyload

from portal.core import access, localtime, pagination
from portal.core.constants import SERVICE_TYPES
from portal.core.context import Actor, current_actor
from portal.core.exports import Column, fetch_rows
from portal.core.identifiers import DISTRICTS
from portal.core.msgids import N_
from portal.core.pagination import Page
from portal.core.textmatch import contains
from portal.core.workflows import PROJECT_FILING
from portal.extensions import db
from portal.filings import fields
from portal.filings.models import ProjectFiling
from portal.firms.models import Firm
from portal.orgs.models import Agency
from portal.web.params import clean_text, parse_date
from portal.web.templating import district_label

# Filings waiting for the regulator's review: confirmed by their agency, or already being reviewed. A
# filing only submitted waits for its agency, not for the regulator. Home, dashboard and list count these.
WAITING_FOR_REVIEW = ("confirmed", "under_review")
WAITING_FILTER = "waiting_review"

SORTS = {
    "updated": ProjectFiling.updated_at,
    "number": ProjectFiling.number,
    "submitted": ProjectFiling.submitted_at,
    "start": ProjectFiling.start_date,
    "status": ProjectFiling.status,
    "firm": Firm.name,
    "agency": Agency.name,
}


# What the list page shows (templates/filings/list.html): plain rows, no ORM objects. Loading 20 filings
# with their firm and agency made 60 instances of wide rows (five JSON columns decoded each) to show
# ten fields and two names.
LIST_COLUMNS = (ProjectFiling.id, ProjectFiling.number, ProjectFiling.title, ProjectFiling.status,
                ProjectFiling.is_late, ProjectFiling.service_types, ProjectFiling.start_date,
                ProjectFiling.submitted_at, Firm.name.label("firm_name"), Agency.name.label("agency_name"))


@dataclass
class FilingFilter:
    number: str = ""
    title: str = ""
    firm: str = ""
    agency: str = ""
    status: str = ""
    service_type: str = ""
    district: str = ""
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "updated"
    direction: str = "desc"

    @classmethod
    def from_args(cls, args) -> FilingFilter:
        def _date(name):
            # Lenient: a filter date that is not one (or out of range) is left out, not an error.
            return parse_date(args.get(name))

        sort = args.get("sort", "updated")
        return cls(
            number=clean_text(args.get("number"), 50),
            title=clean_text(args.get("title"), 100),
            firm=clean_text(args.get("firm"), 100),
            agency=clean_text(args.get("agency"), 100),
            status=args.get("status", "") if args.get("status") in (*PROJECT_FILING.states, WAITING_FILTER) else "",
            service_type=args.get("service_type", "") if args.get("service_type") in SERVICE_TYPES else "",
            district=args.get("district", "") if args.get("district") in DISTRICTS else "",
            date_from=_date("date_from"),
            date_to=_date("date_to"),
            sort=sort if sort in SORTS else "updated",
            direction="asc" if args.get("direction") == "asc" else "desc",
        )


@cache
def _loader_options() -> tuple:
    """Loader options are immutable and cost more to build than the rest of the statement: built once."""
    return (joinedload(ProjectFiling.firm, innerjoin=True), joinedload(ProjectFiling.agency, innerjoin=True),
            lazyload(ProjectFiling.staff))


def search(f: FilingFilter, actor: Actor | None = None) -> Select:
    """The actor's filings matching `f`, firm and agency loaded in the same query (no per-row queries).

    Firm and agency are joined for filtering or sorting only when the filter names them, so the page's
    total count stays a scan of project_filing alone (at 100,000 rows the joins made it cost ~0.6 s).
    """
    actor = actor or current_actor()
    stmt = select(ProjectFiling).where(access.visible(actor, ProjectFiling)).options(*_loader_options())
    if f.firm or f.sort == "firm":
        stmt = stmt.join(Firm, Firm.id == ProjectFiling.firm_id)
    if f.agency or f.sort == "agency":
        stmt = stmt.join(Agency, Agency.id == ProjectFiling.agency_id)
    if f.number:
        stmt = stmt.where(or_(contains(ProjectFiling.number, f.number), contains(ProjectFiling.title, f.number)))
    if f.title:
        stmt = stmt.where(contains(ProjectFiling.title, f.title))
    if f.firm:
        stmt = stmt.where(or_(contains(Firm.name, f.firm), Firm.uscc == f.firm.upper()))
    if f.agency:
        stmt = stmt.where(contains(Agency.name, f.agency))
    if f.status == WAITING_FILTER:
        stmt = stmt.where(ProjectFiling.status.in_(WAITING_FOR_REVIEW))
    elif f.status:
        stmt = stmt.where(ProjectFiling.status == f.status)
    if f.service_type:
        # service_types is a JSON list; its text form holds each code in double quotes on both databases.
        stmt = stmt.where(cast(ProjectFiling.service_types, String).like(f'%"{f.service_type}"%'))
    if f.district:
        stmt = stmt.where(ProjectFiling.district_code == f.district)
    if f.date_from:
        stmt = stmt.where(ProjectFiling.submitted_at >= localtime.day_start_utc(f.date_from))
    if f.date_to:
        stmt = stmt.where(ProjectFiling.submitted_at < localtime.day_start_utc(f.date_to + timedelta(days=1)))
    return stmt.order_by(*_order(f))


def waiting_for_review_count(actor: Actor) -> int:
    """How many filings the actor sees wait for the regulator's review: the one figure the home panel,
    the supervision dashboard and the filing list (status "waiting for review") all show."""
    return db.session.scalar(
        select(func.count(ProjectFiling.id))
        .where(access.visible(actor, ProjectFiling), ProjectFiling.status.in_(WAITING_FOR_REVIEW))
    ) or 0


def _order(f: FilingFilter) -> tuple:
    column = SORTS[f.sort]
    return column.asc() if f.direction == "asc" else column.desc(), ProjectFiling.id.desc()


@cache
def _list_rows() -> Select:
    return (select(*LIST_COLUMNS).join(Firm, Firm.id == ProjectFiling.firm_id)
            .join(Agency, Agency.id == ProjectFiling.agency_id))


def list_page(f: FilingFilter, page: int | None, per_page: int | None = None, actor: Actor | None = None) -> Page:
    """One page of `search` as rows of LIST_COLUMNS (see rows_page); the total cached per scope and filter."""
    actor = actor or current_actor()
    return rows_page(search(f, actor), _list_rows(), _order(f), page, per_page,
                     count_key=("filings.list", access.scope_key(actor), astuple(f)))


def rows_page(query: Select, rows: Select, order, page: int | None, per_page: int | None = None,
              count_key=None) -> Page:
    """One page of `query` (a scoped, filtered, sorted select of ProjectFiling) read as plain `rows`
    (a select of columns from project_filing), in one statement besides the cached count.

    The page's ids are picked by `pagination.page_ids` (the deferred join `paginate` uses); `rows` reads
    those ids only, sorted by `order` (the same as the query's). Count (cached under `count_key`) and page
    bounds as portal.core.pagination.paginate.
    """
    per_page = per_page or current_app.config.get("PAGE_SIZE", 20)
    total = pagination.count(query, count_key)
    page = pagination.clamp(page, total, per_page)
    ids = pagination.page_ids(query, ProjectFiling.id, page, per_page)
    stmt = rows.where(ProjectFiling.id.in_(ids)).order_by(*order)
    return Page(items=list(db.session.execute(stmt)), page=page, per_page=per_page, total=total)


_EXPORT_KINDS = {fields.DATE: "date", fields.AMOUNT: "number", fields.YEAR: "number"}


def _field_value(spec: fields.FilingField, translate) -> Callable[[ProjectFiling], object]:
    """How the export reads one declared field of a filing, by its kind."""
    name = spec.name
    if spec.kind == fields.AGENCY:
        return lambda p: p.agency_name
    if spec.kind == fields.SERVICE_TYPES:
        return lambda p: ", ".join(translate(SERVICE_TYPES.get(c, c)) for c in p.service_types or [])
    if spec.kind == fields.FLAG:
        return lambda p: translate(N_("Yes")) if getattr(p, name) else translate(N_("No"))
    if spec.kind == fields.SITE:
        return lambda p: translate(fields.SITE_TYPES.get(p.site_type, "")) if p.site_type else ""
    return lambda p: getattr(p, name)


def _field_column(spec: fields.FilingField, translate) -> Column:
    """The export column of one declared filing field (portal.filings.fields)."""
    return Column(spec.label, _field_value(spec, translate), _EXPORT_KINDS.get(spec.kind, "text"),
                  width=30 if spec.kind in (fields.TEXT, fields.TEXTAREA) else None)


def export_columns(translate=lambda s: s) -> tuple[Column, ...]:
    """Columns of the filing export (no personal data on filings), for the rows of `export_rows`: the
    number, every declared field marked for export, then the firm and where the filing stands."""
    return (
        Column(N_("Number"), lambda p: p.number),
        *(_field_column(spec, translate) for spec in fields.FIELDS if spec.export),
        Column(N_("Firm"), lambda p: p.firm_name),
        Column(N_("Firm USCC"), lambda p: p.firm_uscc),
        Column(N_("District"), lambda p: district_label(p.district_code)),
        Column(N_("Status"), lambda p: translate(PROJECT_FILING.states[p.status])),
        Column(N_("Submitted"),
               lambda p: localtime.to_local(p.submitted_at).replace(microsecond=0) if p.submitted_at else None,
               "datetime"),
        Column(N_("Late"), lambda p: translate(N_("Yes")) if p.is_late else ""),
    )


@cache
def _export_select() -> Select:
    """The columns the export reads, as plain rows: building 100,000 filings with their firm and agency
    as objects cost more than writing them."""
    declared = [getattr(ProjectFiling, spec.name) for spec in fields.FIELDS if spec.export and spec.kind != fields.AGENCY]
    return (select(ProjectFiling.number, *declared, ProjectFiling.district_code, ProjectFiling.status,
                   ProjectFiling.submitted_at, ProjectFiling.is_late, Firm.name.label("firm_name"),
                   Firm.uscc.label("firm_uscc"), Agency.name.label("agency_name"))
            .join(Firm, Firm.id == ProjectFiling.firm_id).join(Agency, Agency.id == ProjectFiling.agency_id))


def export_rows(f: FilingFilter, actor: Actor | None = None) -> Iterator:
    """Every filing of `search` (the list's filter and scope) as a row of the export's columns, in the
    list's order, fetched in batches. correlate(None): the nested ids keep their own FROM."""
    ids = search(f, actor).with_only_columns(ProjectFiling.id).order_by(None).correlate(None)
    yield from fetch_rows(_export_select().where(ProjectFiling.id.in_(ids)).order_by(*_order(f)))
