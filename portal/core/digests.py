"""Comparing a secret the portal computed with text a user sent, in constant time.

`hmac.compare_digest` raises TypeError when either string holds a non-ASCII character, so a receipt
code, a one-time code (full-width digits pass `str.isdigit`) or a binding typed or pasted by anyone
would be a 500. Both sides are compared as UTF-8 bytes instead: any text is simply unequal.
"""
from __future__ import annotations

import hmac


def same_secret(expected: str | bytes, given: str | bytes | None) -> bool:
    """True when `given` equals `expected`; False for None and any other text, never an error."""
    if given is None:
        return False
    left = expected.encode("utf-8", "surrogatepass") if isinstance(expected, str) else expected
    right = given.encode("utf-8", "surrogatepass") if isinstance(given, str) else given
    return hmac.compare_digest(left, right)
