"""Objections read as words: the score page and the period page name the indicator or deduction a firm
objects to and show its figures, never the stored dict's methods or the rule's code."""
from __future__ import annotations

from portal.scoring import service as scoring
from tests.scoring.builders import as_user, published_score
from tests.words.crawl import visible_text


def _published_score(build):
    lead, period, score, firm = published_score(build)
    with as_user(build.user("vendor", firm_id=firm.id)):
        scoring.submit_objection(score.id, "filing.before_start", "第二个项目已纸质报备")
        scoring.submit_objection(score.id, "feedback.quality", "评价样本过少")
    return lead, period, score


def test_score_and_period_pages_name_what_is_objected_to(client, build, login):
    lead, period, score = _published_score(build)
    login(lead)
    for url in (f"/scoring/scores/{score.id}?lang=zh_CN", f"/scoring/periods/{period.id}?lang=zh_CN"):
        page = visible_text(client.get(url).get_data(as_text=True))
        assert "built-in method" not in page and "object at 0x" not in page, url
        assert "filing.before_start" not in page and "feedback.quality" not in page, url
        assert "开工前报备" in page, url  # the deduction's name, as the firm chose it
