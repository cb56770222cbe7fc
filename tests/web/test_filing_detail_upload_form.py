"""The filing page builds its upload form only for the firm that may upload, and shows it to them."""
from __future__ import annotations

import pytest

from tests.filings.builders import FilingWorld


@pytest.fixture
def world(build):
    return FilingWorld(build)


def test_owner_sees_the_upload_form_and_others_do_not(app, client, login, world):
    filing = world.submitted()
    login(world.vendor)
    page = client.get(f"/filings/{filing.id}?lang=en").get_data(as_text=True)
    assert 'class="upload-form no-print"' in page
    assert 'id="kind" name="kind"><option value="contract">Contract</option>' in page
    assert 'type="file"' in page
    client.post("/auth/logout")
    login(world.regulator)
    page = client.get(f"/filings/{filing.id}?lang=en").get_data(as_text=True)
    assert 'data-testid="actions"' in page
    assert "upload-form" not in page
