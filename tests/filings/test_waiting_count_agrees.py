"""Filings waiting for the regulator's review: the home panel, the supervision dashboard and the filing
list show the same figure for the same user, from one query (filings.queries.waiting_for_review_count)."""
from __future__ import annotations

import re

import pytest

from portal.core import clock


def _home_figure(page: str) -> str:
    return re.search(r'Waiting in all</span> <strong class="stat-value">([^<]*)</strong>', page).group(1)


def _dashboard_figure(page: str) -> str:
    return re.search(r"Filings waiting for review \(<a href=\"/filings/\?status=waiting_review\">(\d+)</a>\)", page).group(1)


def _list_figure(page: str) -> str:
    return re.search(r"\((\d+) in all\)|(\d+) in all", page).group(1) or \
        re.search(r"\((\d+) in all\)|(\d+) in all", page).group(2)


@pytest.mark.parametrize("who", ["city", "district"])
def test_home_dashboard_and_list_agree(client, build, login, who):
    here, there = build.firm(district_code="510502"), build.firm(district_code="510503")
    for firm in (here, there):
        for status in ("submitted", "submitted", "confirmed", "under_review", "under_review", "registered"):
            build.filing(firm=firm, status=status, confirmed_at=clock.utcnow())
    user = build.user("regulator") if who == "city" else build.district_regulator("510502")
    expected = "6" if who == "city" else "3"  # confirmed or under review; "submitted" waits for its agency
    login(user)
    home = client.get("/home/?lang=en").get_data(as_text=True)
    dashboard = client.get("/supervision/?lang=en").get_data(as_text=True)
    listing = client.get("/filings/?status=waiting_review&lang=en").get_data(as_text=True)
    assert _home_figure(home) == _dashboard_figure(dashboard) == _list_figure(listing) == expected
    # The home figure links to exactly that list.
    assert 'href="/filings/?status=waiting_review"' in home
