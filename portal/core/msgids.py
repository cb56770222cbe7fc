"""Marker for translatable messages produced by pure code; translated at display time."""


def N_(s: str) -> str:
    return s
