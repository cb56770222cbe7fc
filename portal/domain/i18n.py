"""Marker for user-visible msgids in pure domain code; translation happens at display time."""


def N_(s: str) -> str:
    """Return ``s`` unchanged so Babel can extract it while the caller translates it later."""
    return s
