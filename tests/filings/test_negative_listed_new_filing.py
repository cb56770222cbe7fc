"""A negative-listed firm is refused when it opens the new-filing form (while the local rule is on),
not after filling the whole form in; the service refuses the first save too."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.core import clock
from portal.core.errors import NotAllowed
from portal.extensions import db
from portal.filings import service as filings
from portal.filings.models import ProjectFiling
from tests.filings.builders import FilingWorld, acting_as, draft_data


@pytest.fixture
def world(build):
    return FilingWorld(build)


def _negative_list(firm):
    firm.status = "negative_listed"
    firm.negative_list_until = clock.today() + timedelta(days=180)
    db.session.commit()


def _filings() -> int:
    return db.session.scalar(select(func.count(ProjectFiling.id)))


def test_the_form_is_refused_before_anything_is_typed(client, login, world):
    _negative_list(world.firm)
    login(world.vendor)
    response = client.get("/filings/new?lang=en")
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "negative list" in page and 'name="title"' not in page
    assert (clock.today() + timedelta(days=180)).isoformat() in page
    response = client.post("/filings/new", data={"title": "Sneaked in", "agency_id": str(world.agency.id),
                                                   "save": "1"})
    assert response.status_code == 403 and _filings() == 0


def test_the_service_refuses_a_new_draft(world):
    _negative_list(world.firm)
    with acting_as(world.vendor), pytest.raises(NotAllowed):
        filings.save_draft(draft_data(world.agency), staff_ids=[m.id for m in world.staff])
    assert _filings() == 0


def test_with_the_local_rule_off_the_form_opens(app, client, login, world):
    _negative_list(world.firm)
    app.config["BLOCK_NEGATIVE_LISTED_FILINGS"] = False
    try:
        login(world.vendor)
        response = client.get("/filings/new")
        assert response.status_code == 200 and 'name="title"' in response.get_data(as_text=True)
    finally:
        app.config["BLOCK_NEGATIVE_LISTED_FILINGS"] = True
