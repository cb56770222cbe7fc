"""The alert centre's firm filter: the jurisdiction's firms as escaped options (the list cached per
firm-table version), the chosen firm selected, a firm added or renamed shown at once, other districts' firms absent."""
from __future__ import annotations

import re

from portal.extensions import db
from portal.firms.models import Firm


def _options(page: str) -> str:
    return re.search(r'<select id="firm_id" name="firm_id"><option value="">[^<]*</option>(.*?)</select>', page,
                     re.S).group(1)


def test_firm_filter_options_match_select_options_and_follow_changes(client, build, login, app):
    a = build.firm(name="Alpha <script>&")
    b = build.firm(name="Beta \"quoted\"")
    elsewhere = build.firm(name="Gamma", district_code="510503")
    login(build.district_regulator("510502"))
    page = client.get("/supervision/alerts").get_data(as_text=True)
    options = _options(page)
    assert f'value="{a.id}"' in options and f'value="{b.id}"' in options and f'value="{elsewhere.id}"' not in options
    assert "Alpha &lt;script&gt;&amp;" in options and "Beta &#34;quoted&#34;" in options and " selected" not in options

    page = client.get(f"/supervision/alerts?firm_id={b.id}").get_data(as_text=True)
    assert _options(page) == (f'<option value="{a.id}">Alpha &lt;script&gt;&amp;</option>'
                              f'<option value="{b.id}" selected>Beta &#34;quoted&#34;</option>')
    assert f'<option value="{b.id}" selected>' in page

    db.session.get(Firm, a.id).name = "Aardvark"
    db.session.commit()
    page = client.get("/supervision/alerts").get_data(as_text=True)
    assert f'<option value="{a.id}">Aardvark</option>' in _options(page) and "Alpha" not in page
