"""The API's query parameters and response bodies, declared once: the views validate requests through
these models and portal.api.spec builds /api/v1/openapi.json from them, so the limits the document
states are the limits the API enforces."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from portal.web.params import MAX_INT

MAX_PER_PAGE = 100
MAX_PAGE = 100000

# No control characters: PostgreSQL cannot take a NUL in a string literal (it would be a 500), and no
# name, code or label holds one.
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")]
Id = Annotated[int, Field(ge=1, le=MAX_INT)]
Grade = Literal["A", "B", "C", "D"]


class Query(BaseModel):
    """Every list takes `page` and `per_page`; anything not declared is refused (400)."""

    model_config = ConfigDict(extra="forbid")

    page: int = Field(1, ge=1, le=MAX_PAGE, description="Page number.")
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE, description=f"Rows per page (at most {MAX_PER_PAGE}).")


class FirmQuery(Query):
    q: Text = Field("", description="Part of the name, or the whole USCC.")
    district: Text = Field("", description="District code, e.g. 510502.")
    grade: Grade | None = Field(None, description="Credit grade.")
    status: Text = Field("", description="Registration status.")


class FilingQuery(Query):
    q: Text = Field("", description="Part of the title, or the whole filing number.")
    status: Text = Field("", description="Filing status.")
    district: Text = Field("", description="District code.")
    firm_id: Id | None = Field(None, description="Firm.")
    agency_id: Id | None = Field(None, description="Agency.")


class ScoreQuery(Query):
    period: Text = Field("", description="Period label, e.g. 2026Q1.")
    firm_id: Id | None = Field(None, description="Firm.")
    grade: Grade | None = Field(None, description="Grade.")


class NoticeQuery(Query):
    q: Text = Field("", description="Part of the title.")


class NoQuery(BaseModel):
    """A record by id takes no query parameters."""

    model_config = ConfigDict(extra="forbid")


# -- responses -----------------------------------------------------------------------------------

class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Error(BaseModel):
    """Every error: a stable code (`bad_request`, `unauthorized`, `forbidden`, `not_found`, ...) and
    a message in the caller's language (Accept-Language: zh-CN, the default, or en)."""

    error: str
    message: str
    request_id: str | None = None


class Firm(Body):
    id: int
    uscc: Annotated[str, Field(min_length=18, max_length=18)]
    name: str
    district_code: str
    status: str
    grade: Grade | None
    good_standing: bool
    focus_supervision: bool
    service_types: list[str]
    valid_until: date | None
    verification_status: Literal["not_checked", "pending", "verified", "failed"]


class Filing(Body):
    id: int
    number: str | None
    title: str
    status: str
    firm_id: int
    firm_name: str
    agency_id: int
    agency_name: str
    district_code: str
    service_types: list[str]
    start_date: date | None
    end_date: date | None
    submitted_at: datetime | None
    registered_at: datetime | None
    is_late: bool


class Score(Body):
    id: int
    period_id: int
    period_label: str
    period_status: str
    firm_id: int
    firm_name: str
    status: Literal["rated", "not_rated"]
    total: float | None
    grade: str | None
    vetoed: bool
    amended: bool


class Notice(Body):
    id: int
    title: str
    body: str
    published_at: datetime | None
    requires_ack: bool
    read_at: datetime | None
    acknowledged_at: datetime | None


class Page(Body):
    page: Annotated[int, Field(ge=1)]
    per_page: Annotated[int, Field(ge=1, le=MAX_PER_PAGE)]
    total: Annotated[int, Field(ge=0)]
    pages: Annotated[int, Field(ge=1)]


class FirmList(Page):
    items: list[Firm]


class FilingList(Page):
    items: list[Filing]


class ScoreList(Page):
    items: list[Score]


class NoticeList(Page):
    items: list[Notice]
