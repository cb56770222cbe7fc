"""The one check for redirect targets that come from a request (`next`, stored links): same site only."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import redirect, url_for

# Characters that never belong in a path we send a browser to: controls (CR/LF header splitting, NUL,
# tab, which browsers strip so "/\t/evil" becomes "//evil") and the backslash, which browsers read as "/".
_FORBIDDEN = {chr(c) for c in range(32)} | {"\x7f", "\\"}


def safe_path(target: str | None) -> str | None:
    """Return `target` when it is a same-site relative path ("/..." but not "//..."), else None."""
    if not target or not isinstance(target, str):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    if any(ch in _FORBIDDEN for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def redirect_next(target: str | None, endpoint: str, **values):
    """Redirect to `target` when it is safe, otherwise to `url_for(endpoint, **values)`."""
    return redirect(safe_path(target) or url_for(endpoint, **values))
