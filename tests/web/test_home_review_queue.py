"""The regulator's home panel "Filings waiting for review": the filings waiting longest with days waiting
and a link to each, scoped by district, escaped, in both languages, and never stale after a decision
(the queue is cached as plain data per scope until a filing is written)."""
from __future__ import annotations

from datetime import timedelta

from portal.core import clock
from portal.extensions import db
from portal.filings.models import ProjectFiling


def test_waiting_filings_show_days_and_links_and_follow_writes(client, build, login):
    regulator = build.user("regulator")
    firm = build.firm(name="Firm <b>&amp; Co</b>")
    old = build.filing(firm=firm, status="confirmed", confirmed_at=clock.utcnow() - timedelta(days=5, hours=1))
    new = build.filing(firm=firm, status="under_review", confirmed_at=clock.utcnow() - timedelta(days=1, hours=1))
    login(regulator)
    page = client.get("/home/?lang=en").get_data(as_text=True)
    assert f'href="/filings/{old.id}"' in page and f'href="/filings/{new.id}"' in page
    assert page.index(f"/filings/{old.id}\"") < page.index(f"/filings/{new.id}\"")  # oldest first
    assert "5 days" in page and "1 days" in page
    assert "Firm &lt;b&gt;&amp;amp; Co&lt;/b&gt;" in page and "<b>&amp; Co</b>" not in page
    again = client.get("/home/?lang=en").get_data(as_text=True)  # served from the cache: same panel
    assert again[again.index("<main"):again.index("</main>")] == page[page.index("<main"):page.index("</main>")]

    db.session.get(ProjectFiling, old.id).status = "registered"
    db.session.commit()
    page = client.get("/home/?lang=en").get_data(as_text=True)
    assert f'href="/filings/{old.id}"' not in page and f'href="/filings/{new.id}"' in page

    page = client.get("/home/?lang=zh_CN").get_data(as_text=True)
    assert f'href="/filings/{new.id}"' in page and 'lang="zh-CN"' in page


def test_district_regulator_sees_only_own_district(client, build, login):
    here = build.filing(firm=build.firm(district_code="510502"), status="confirmed", confirmed_at=clock.utcnow())
    there = build.filing(firm=build.firm(district_code="510503"), status="confirmed", confirmed_at=clock.utcnow())
    city = build.user("regulator")
    login(city)
    page = client.get("/home/?lang=en").get_data(as_text=True)
    assert f'href="/filings/{here.id}"' in page and f'href="/filings/{there.id}"' in page
    client.post("/auth/logout")
    login(build.district_regulator("510502"))
    page = client.get("/home/?lang=en").get_data(as_text=True)
    assert f'href="/filings/{here.id}"' in page and f'href="/filings/{there.id}"' not in page


def _stat(page: str, label: str) -> str:
    import re

    return re.search(re.escape(label) + r'</span> <strong class="stat-value">([^<]*)</strong>', page).group(1)


def test_regulator_counts_of_registrations_changes_and_incidents_follow_writes(client, build, login):
    from portal.firms.models import Firm, FirmChangeRequest
    from portal.incidents.models import Incident

    here = build.firm(status="submitted")
    build.firm(status="under_review", district_code="510503")
    db.session.add(FirmChangeRequest(firm_id=here.id, status="submitted"))
    db.session.add(Incident(firm_id=here.id, district_code="510502", incident_type="other", severity="high",
                            occurred_at=clock.utcnow(), description="x", status="reported"))
    db.session.commit()
    login(build.district_regulator("510502"))
    page = client.get("/home/?lang=en").get_data(as_text=True)
    assert _stat(page, "Registrations waiting for review") == "1"
    assert _stat(page, "Change requests waiting for review") == "1"
    assert _stat(page, "Open incidents") == "1"

    db.session.get(Firm, here.id).status = "active"
    db.session.add(FirmChangeRequest(firm_id=here.id, status="submitted"))
    db.session.add(Incident(firm_id=here.id, district_code="510502", incident_type="other", severity="high",
                            occurred_at=clock.utcnow(), description="y", status="investigating"))
    db.session.commit()
    page = client.get("/home/?lang=en").get_data(as_text=True)
    assert _stat(page, "Registrations waiting for review") == "0"
    assert _stat(page, "Change requests waiting for review") == "2"
    assert _stat(page, "Open incidents") == "2"


def test_a_new_change_filing_shows_at_once_with_the_cache_on(app, client, build, login, monkeypatch):
    """The queue is cached until one of the tables it reads changes; a change filing is one of them."""
    from portal.core import cache as aggregates
    from portal.filings.models import ChangeFiling

    monkeypatch.setitem(app.config, "AGGREGATE_CACHE_SECONDS", 300)  # whatever another fixture set
    filing = build.filing(status="in_progress")
    login(build.user("regulator"))
    page = client.get("/home/?lang=en").get_data(as_text=True)
    assert "Change filings to review" not in page
    hits = aggregates.stats()["hits"]
    client.get("/home/?lang=en")
    assert aggregates.stats()["hits"] > hits  # the panels now come from the cache

    change = ChangeFiling(filing_id=filing.id, change_type="staff", status="submitted", reason="New operator")
    db.session.add(change)
    db.session.commit()
    page = client.get("/home/?lang=en").get_data(as_text=True)
    assert "Change filings to review" in page and f'href="/filings/changes/{change.id}"' in page
