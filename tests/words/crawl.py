"""Crawl every page a role can reach and find what is not words for a reader of that language.

`python -m tests.words.crawl [--roles regulator,vendor01] [--lang zh_CN|en] [--limit 200]` seeds the demo data
into a temporary SQLite file, signs in as each demo account through the real login form, follows every
same-site link (GET only; downloads, exports and logout skipped; at most three URLs of one shape, ids
replaced), and prints each finding: Python reprs, internal codes (snake_case, dotted, `kind:id`, `#id`),
district codes, and on Chinese pages words of English. The same functions back the crawl test.
"""
from __future__ import annotations

import argparse
import re
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

from tests.clients import ReadingClient

ROLES = ("regulator", "district", "lead", "sysadmin", "secadmin", "auditor", "vendor01", "agency01")
SKIP_PATHS = re.compile(r"^/(static|files|auth/logout|api/)|/export|/download|\.(xlsx|csv|pdf|png|ico)$|[?&]lang=")
SKIP_TAGS = {"script", "style", "template", "code", "kbd"}

REPR = re.compile(r"<[\w .]+ (?:object|method|function)[^>]*>|built-in method|object at 0x[0-9a-f]+|"
                  r"\{'[^']*':|\['[^']*'[,\]]|\bNone\b|\bTrue\b|\bFalse\b")
CODE = re.compile(r"\b[a-z]{2,}(?:_[a-z0-9]+)+\b|\b[a-z]{3,}\.[a-z_]{3,}\b|\b[a-z]+:\d+\b|(?<![\w&])#\d+\b")
DISTRICT = re.compile(r"(?<![\d*])5105\d\d(?![\d*])")  # not the start of a masked ID number
ENGLISH = re.compile(r"[A-Za-z][A-Za-z'’-]{2,}")
CJK = re.compile(r"[\u4e00-\u9fff]")
GLOSS = re.compile(r"[(（][^()（）]*[)）]")
# Names a Chinese reader expects as they are: formats, standards, identifiers, units.
ALLOWED_WORDS = {
    "pdf", "excel", "xlsx", "csv", "uscc", "lzwb", "dat", "api", "totp", "url", "openapi", "json", "http", "https",
    "tiff", "ocr", "dpi", "jpeg", "jpg", "png", "docx", "ofd", "mfa", "otpauth", "gb", "iso", "utc", "cny",
    "email", "mail", "www", "qr", "wcag", "sso", "app", "ukey", "ca",
    "english",  # the language switch names the other language in that language
    "cookie",  # Chinese technical writing says Cookie
    "abcd", "qwer", "asdf",  # keystroke examples in the password rule ("no sequences such as abcd, qwer")
}
# Letters glued to digits are identifiers, not English: LZWB-2026-0012, version default-2026.2, username agency01,
# a request ID. They are still checked for codes (firm:17, #17) and reprs.
IDENTIFIER = re.compile(r"\b(?=[\w.-]*\d)(?=[\w.-]*[A-Za-z])[\w.-]*\w")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URLISH = re.compile(r"https?://\S+|/[\w/.-]+")


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Elements whose text is interface wording, not data: on an English page these must not be Chinese. (Not
# <label>: a checkbox's label is often data, a person's or an agency's name.)
CHROME_TAGS = {"button", "legend", "dt", "summary", "th"}


class _Text(HTMLParser):
    """Visible text. Content marked translate="no" (usernames, request IDs, seeds: identifiers that stay as
    they are in every language, as HTML means by that attribute) is left out, like <code> and <kbd>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.chrome: list[str] = []
        self.links: list[str] = []
        self._skip = 0
        self._stack: list[list] = []  # [tag, depth, skipping, chrome] of elements that change what is read

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if not self._skip:
            for name in ("title", "placeholder", "aria-label", "alt"):
                if attrs.get(name):
                    self.parts.append(attrs[name])
        if tag in VOID:
            return
        if self._stack and self._stack[-1][0] == tag:
            self._stack[-1][1] += 1
        skipping = tag in SKIP_TAGS or attrs.get("translate") == "no"
        chrome = tag in CHROME_TAGS and attrs.get("scope") != "row"
        if skipping or chrome:
            self._stack.append([tag, 1, skipping, chrome])
            self._skip += skipping

    def handle_endtag(self, tag):
        if self._stack and self._stack[-1][0] == tag:
            self._stack[-1][1] -= 1
            if self._stack[-1][1] == 0:
                _tag, _depth, skipping, _chrome = self._stack.pop()
                self._skip -= skipping

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())
            if any(entry[3] for entry in self._stack):
                self.chrome.append(data.strip())


def visible_text(html: str) -> str:
    """What a reader sees of a page: text and the attributes read aloud, without scripts or markup."""
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


@dataclass
class Finding:
    url: str
    kind: str
    text: str


@dataclass
class CrawlResult:
    role: str
    lang: str
    pages: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    errors: list[tuple[str, int]] = field(default_factory=list)

    @property
    def pages_with_findings(self) -> int:
        return len({f.url for f in self.findings})


def findings_in(text: str, lang: str, chrome: str = "") -> list[tuple[str, str]]:
    """(kind, snippet) for everything in a page's visible text that is not words of `lang`; `chrome` is the
    interface wording (labels, buttons, headings), which on an English page must not be Chinese."""
    found: list[tuple[str, str]] = []
    if lang == "en":  # a Chinese gloss in brackets after the English term is meant: "Agency (立档单位)"
        found += [("chinese", line) for line in chrome.splitlines() if CJK.search(GLOSS.sub("", line))]
    clean = URLISH.sub(" ", EMAIL.sub(" ", text))
    for kind, pattern in (("repr", REPR), ("code", CODE), ("district code", DISTRICT)):
        found += [(kind, m.group(0)) for m in pattern.finditer(clean)]
    if lang == "zh_CN":
        found += [("english", m.group(0)) for m in ENGLISH.finditer(IDENTIFIER.sub(" ", clean))
                  if m.group(0).lower() not in ALLOWED_WORDS and not m.group(0).isupper()]
    return found


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def walk(fetch, starts=("/home/",), limit: int = 200, per_shape: int = 3):
    """Every page reachable from `starts` by same-site GET links (downloads, exports, logout and language
    switches skipped; at most `per_shape` URLs of one shape, ids replaced), breadth first.

    `fetch(path)` loads a page and returns (status, content type, html); the words crawl fetches with Flask's
    test client, the accessibility test with a real browser. Yields (path, status, html); html is None for
    what is not an HTML page. Stops after `limit` HTML pages."""
    queue, seen, shapes, pages = list(starts), set(starts), Counter(), 0
    while queue and pages < limit:
        url = queue.pop(0)
        status, content_type, html = fetch(url)
        if status >= 400 or not (content_type or "").startswith("text/html"):
            yield url, status, None
            continue
        pages += 1
        yield url, status, html
        parser = _Text()
        parser.feed(html)
        for href in parser.links:
            target = urldefrag(urljoin(url, href))[0]
            parts = urlsplit(target)
            if parts.netloc and parts.netloc != "localhost":
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path in seen or SKIP_PATHS.search(path) or not path.startswith("/"):
                continue
            seen.add(path)
            shape = _shape(parts.path)
            if shapes[shape] >= per_shape:
                continue
            shapes[shape] += 1
            queue.append(path)


def crawl(client, role: str, lang: str, limit: int = 200, per_shape: int = 3) -> CrawlResult:
    result = CrawlResult(role, lang)
    client.get(f"/home/?lang={lang}")

    def fetch(url):
        response = client.get(url, follow_redirects=True)
        return response.status_code, response.content_type, response.get_data(as_text=True)

    for url, status, html in walk(fetch, limit=limit, per_shape=per_shape):
        if status >= 400:
            result.errors.append((url, status))
            continue
        if html is None:
            continue
        result.pages.append(url)
        parser = _Text()
        parser.feed(html)
        result.findings += [Finding(url, kind, snippet)
                            for kind, snippet in findings_in("\n".join(parser.parts), lang, "\n".join(parser.chrome))]
    return result


def demo_app(tmp: Path):
    from flask_migrate import upgrade

    from portal import create_app, i18n_tools
    from portal.extensions import db
    from portal.seed import seed_demo

    i18n_tools.compile_all()
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'crawl.db'}",
                      "WTF_CSRF_ENABLED": False, "UPLOAD_DIR": str(tmp / "uploads"), "SECRET_KEY": "crawl",
                      "PASSWORD_HASH_FAST": True, "MFA_REQUIRED": False, "RATELIMIT_ENABLED": False,
                      "AUDIT_ANCHOR_DIR": str(tmp / "anchors"), "BACKUP_DIR": str(tmp / "backups")})
    with app.app_context():
        upgrade()
        seed_demo(echo=lambda *_: None)
        db.session.remove()
    app.test_client_class = ReadingClient
    return app


@contextmanager
def temporary_demo(prefix: str = "portal-demo-") -> Iterator:
    """A demo app (`demo_app`) in a temporary folder, removed afterwards: one per test module."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield demo_app(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def signed_in_client(app, username: str):
    client = app.test_client()
    response = client.post("/auth/login", data={"username": username, "password": "Demo#2026pass"})
    assert response.status_code in (302, 303), f"{username} could not sign in"
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--lang", default="zh_CN", choices=("zh_CN", "en"))
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--show", type=int, default=8, help="Findings to print per kind and role.")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="portal-crawl-"))
    try:
        app = demo_app(tmp)
        total_pages = total_bad = 0
        for role in args.roles.split(","):
            result = crawl(signed_in_client(app, role), role, args.lang, args.limit)
            total_pages += len(result.pages)
            total_bad += result.pages_with_findings
            print(f"{role} ({args.lang}): {len(result.pages)} pages, {result.pages_with_findings} with findings, "
                  f"{len(result.errors)} errors {result.errors[:5]}")
            by_kind = defaultdict(Counter)
            for f in result.findings:
                by_kind[f.kind][(f.text, f.url.split('?')[0])] += 1
            for kind, counter in by_kind.items():
                print(f"  {kind}: {sum(counter.values())}")
                for (text, url), n in counter.most_common(args.show):
                    print(f"    {text!r} ×{n} on {url}")
        print(f"TOTAL ({args.lang}): {total_pages} pages, {total_bad} with findings")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
