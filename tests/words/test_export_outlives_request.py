"""A streamed export outlives its request: on a real server the request's app context (and its database
session) ends when the view returns, while the workbook's later rows are still being read. Served by an
app with no outer app context (as gunicorn serves it), an export read in batches of 2 must still hold
every row — read through the export's own session (`core.exports.stream_rows`).

Here among the crawls: a demo app turns the process's one rate limiter off, so it runs after tests/web."""
from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from portal.core import exports
from portal.supervision import queries
from tests.words.crawl import signed_in_client, temporary_demo


@pytest.fixture(scope="module")
def served():
    with temporary_demo("portal-export-stream-") as app:
        yield app


@pytest.mark.parametrize("url", ["/supervision/inspections?format=xlsx", "/supervision/alerts?format=xlsx&state=all",
                                 "/admin/audit/export?format=xlsx"])
def test_every_row_arrives_after_the_request_has_ended(served, monkeypatch, url):
    monkeypatch.setattr(exports, "BATCH", 2)
    monkeypatch.setattr(queries, "BATCH", 2)
    client = signed_in_client(served, "auditor" if url.startswith("/admin") else "regulator")
    response = client.get(url, buffered=False)  # read after the view has returned, as a server reads it
    assert response.status_code == 200, url
    data = b"".join(response.response)
    response.close()
    rows = list(load_workbook(BytesIO(data), read_only=True).worksheets[0].iter_rows(min_row=3, values_only=True))
    assert len(rows) > 4, f"{url}: only {len(rows)} rows; the demo data should hold more than two batches"
    again = client.get(url)  # the same rows once more: nothing was left half-read or pushed
    assert again.status_code == 200
    assert len(list(load_workbook(BytesIO(again.data), read_only=True).worksheets[0].iter_rows(
        min_row=3, values_only=True))) >= len(rows)
