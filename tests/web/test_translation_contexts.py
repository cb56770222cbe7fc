"""zh_CN catalogues: every msgid (with its context) in exactly one catalogue, pgettext contexts extracted,
and the English words with several Chinese meanings shown in the sense of the page: a review's
"Decision" is 审核意见 and an objection's 复核决定 (never 处罚决定), an open alert 未处理, the button that
opens a scoring period 开启."""
from __future__ import annotations

from datetime import timedelta

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from portal import i18n_tools
from portal.extensions import db
from portal.scoring import service as scoring
from portal.scoring.models import Objection
from tests.filings.builders import FilingWorld
from tests.scoring.builders import as_user, published_score


def test_no_msgid_and_context_sits_in_two_catalogues():
    held: dict[tuple[str | None, str], list[str]] = {}
    for po_path in i18n_tools.catalogues():
        with po_path.open("rb") as fh:
            for message in read_po(fh, locale="zh_CN"):
                if message.id:
                    msgid = message.id if isinstance(message.id, str) else message.id[0]
                    held.setdefault((message.context, msgid), []).append(str(i18n_tools.catalogue_dir(po_path)))
    assert {key: where for key, where in held.items() if len(where) > 1} == {}


def test_every_msgid_lives_in_the_catalogue_its_use_gives_it():
    assert i18n_tools.placement_problems() == []


def test_home_catalogue_rule():
    dirs = {i18n_tools.PORTAL / "filings", i18n_tools.PORTAL / "scoring"}
    assert i18n_tools.home(["templates/filings/detail.html:3", "portal/filings/views.py:9"], dirs) == (
        i18n_tools.PORTAL / "filings")
    # several features, a feature without a catalogue, or no feature at all: the core catalogue
    assert i18n_tools.home(["templates/filings/a.html:1", "portal/scoring/b.py:2"], dirs) == i18n_tools.CORE
    assert i18n_tools.home(["templates/incidents/detail.html:1"], dirs) == i18n_tools.CORE
    assert i18n_tools.home(["templates/base.html:1"], dirs) == i18n_tools.CORE


def test_extraction_keeps_the_context_of_pgettext_calls(tmp_path):
    (tmp_path / "forms.py").write_text('_("Open")\npgettext("state", "Open")\nlazy_pgettext("penalty", "Decision")\n')
    (tmp_path / "page.html").write_text('{{ pgettext("scoring period", "Open") }} {{ _("Open") }}\n')
    found = i18n_tools.extract([tmp_path])
    assert set(found) == {(None, "Open"), ("state", "Open"), ("penalty", "Decision"), ("scoring period", "Open")}
    assert len(found[(None, "Open")].locations) == 2


@pytest.mark.parametrize("context, msgid, chinese", [
    ("review", "Decision", "审核意见"),
    ("objection", "Decision", "复核决定"),
    ("negative list", "Decision", "负面清单决定"),
    ("penalty", "Decision", "处罚决定"),
    ("state", "Open", "未处理"),
    ("scoring period", "Open", "开启"),
    (None, "Open", "打开"),
    ("declaration", "Given", "已给出"),
])
def test_each_sense_has_its_own_translation(app, context, msgid, chinese):
    from portal.web.i18n import gettext, pgettext

    with app.test_request_context("/?lang=zh_CN"):
        app.preprocess_request()
        assert (pgettext(context, msgid) if context else gettext(msgid)) == chinese


def test_firm_registration_review_shows_the_review_decision_not_a_penalty(client, build, login):
    firm = build.firm(status="submitted")
    login(build.user("regulator"))
    page = client.get(f"/firms/{firm.id}?lang=zh_CN").get_data(as_text=True)
    panel = page[page.index("data-decision-panel"):]
    assert '<h2 id="decision-title">审核意见</h2>' in panel
    assert "处罚决定" not in page


def test_returned_change_filing_shows_the_review_decision_not_a_penalty(client, build, login):
    world = FilingWorld(build)
    filing = world.advance(world.submitted(), "confirm", "register", "start_work")
    login(world.vendor)
    response = client.post(f"/filings/{filing.id}/changes/new?lang=zh_CN",
                           data={"version": filing.version_id, "change_type": "schedule", "reason": "工期延误",
                                 "start_date": filing.start_date.isoformat(),
                                 "end_date": (filing.end_date + timedelta(days=20)).isoformat()})
    change_url = response.headers["Location"]
    client.post("/auth/logout")
    login(world.regulator)
    change_id = int(change_url.rstrip("/").split("/")[-1])
    client.post(f"/filings/changes/{change_id}/act/return", data={"reason": "缺少延期说明"})
    page = client.get(change_url + "?lang=zh_CN").get_data(as_text=True)
    assert "<strong>审核意见:</strong> 缺少延期说明" in page
    assert "处罚决定" not in page


def test_objection_decision_shows_the_review_decision_not_a_penalty(client, build, login):
    lead, _period, score, firm = published_score(build)
    with as_user(build.user("vendor", firm_id=firm.id)):
        scoring.submit_objection(score.id, "filing.before_start", "第二个项目已纸质报备")
    objection = db.session.scalar(select(Objection))
    with as_user(lead):
        scoring.decide_objection(objection.id, "uphold", "未见报备回执")
    login(lead)
    page = client.get(f"/scoring/scores/{score.id}?lang=zh_CN").get_data(as_text=True)
    assert "<p>复核决定: 未见报备回执" in page
    assert "处罚决定" not in page


def test_the_button_that_opens_a_scoring_period_says_kaiqi(client, build, login):
    login(build.user("regulator", "lead"))
    page = client.get("/scoring/?lang=zh_CN").get_data(as_text=True)
    assert '<button type="submit" class="button primary">开启</button>' in page
    assert ">打开</button>" not in page
