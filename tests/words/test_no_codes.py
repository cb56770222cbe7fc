"""Nothing but words: every page, as every demo role, in both languages, shows no code, id pattern or Python
repr, no English on a Chinese page and no Chinese interface wording on an English page.

One seeded demo database for the module; each role's crawl follows every same-site link it can reach, at
most two URLs of one shape (ids replaced), so the whole module stays within about a minute and a half.
Identifiers that stay as they are in every language (usernames, request IDs, project numbers, versions)
are not words and are not flagged; formats and standards (PDF, Excel, USCC, LZWB, DA/T …) are allowed by
name in `tests.words.crawl.ALLOWED_WORDS`. There is no allow-list of pages: any finding fails.
"""
from __future__ import annotations

import pytest

from tests.words.crawl import ROLES, crawl, findings_in, signed_in_client, temporary_demo, visible_text

PER_SHAPE = 2
LIMIT = 120


@pytest.fixture(scope="module")
def demo():
    with temporary_demo("portal-words-") as app:
        yield app


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("role", ROLES)
def test_every_page_is_words(demo, role, lang):
    result = crawl(signed_in_client(demo, role), role, lang, limit=LIMIT, per_shape=PER_SHAPE)
    assert len(result.pages) >= 5, f"{role} reached only {result.pages}"
    assert not result.errors, f"{role} ({lang}) got error pages: {result.errors}"
    shown = sorted({(f.url, f.kind, f.text) for f in result.findings})[:30]
    assert not shown, f"{role} ({lang}): {result.pages_with_findings} of {len(result.pages)} pages show " \
                      f"codes or the other language:\n" + "\n".join(f"  {u}: {k} {t!r}" for u, k, t in shown)


# The detector itself: what it must catch and what it must let through.

@pytest.mark.parametrize("html, kind", [
    ("<p>原评分: 12 / 4&lt;built-in method items of dict object at 0x7f3a&gt;</p>", "repr"),
    ("<p>证据：Filing #108</p>", "code"),
    ("<p>firm:21 ×1.00</p>", "code"),
    ("<td>510524</td>", "district code"),
    ("<li>regulator · create</li>", "english"),
    ("<td>negative_list_proposed</td>", "code"),
    ("<td>feedback.quality</td>", "code"),
    ("<p>场所权属 leased</p>", "english"),
    ("<img alt='图表: filings'>", "english"),
    ("<td>None</td>", "repr"),
])
def test_the_detector_catches_codes_on_a_chinese_page(html, kind):
    assert kind in {k for k, _t in findings_in(visible_text(html), "zh_CN")}


@pytest.mark.parametrize("html", [
    "<p>LZWB-2026-0012 · 导出 Excel · PDF · 统一社会信用代码（USCC）</p>",
    "<p>按评价规则 default-2026.2 评分</p>",
    "<p>请求编号: <span translate='no'>72b0eaf58c4b4da9be967e672dfb4b72</span></p>",
    "<td><a translate='no' href='/admin/accounts/3'>regulator</a></td>",
    "<code>login.</code> <kbd>Tab</kbd> <script>var x = 'english words';</script>",
    "<p>联系 contact03@firm03.example.cn · /filings/12</p>",
])
def test_the_detector_lets_identifiers_and_formats_through(html):
    assert findings_in(visible_text(html), "zh_CN") == []


def test_on_an_english_page_chinese_interface_wording_is_caught_but_data_and_glosses_are_not():
    page = ("<table><tr><th>状态</th><th scope='row'>泸州恒信档案服务有限公司</th></tr></table>"
            "<dl><dt>Agency (立档单位)</dt><dd>泸州市教育局</dd></dl><button>提交</button>")
    from tests.words.crawl import _Text

    parser = _Text()
    parser.feed(page)
    found = findings_in("\n".join(parser.parts), "en", "\n".join(parser.chrome))
    assert sorted(t for _k, t in found) == ["提交", "状态"]
