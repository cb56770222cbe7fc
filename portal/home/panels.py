"""Home-page panels: each area registers a function that returns panels for a user's roles."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Panel:
    title: str
    items: list[tuple[str, str | int, str]] = field(default_factory=list)  # (label, value, link)
    empty_text: str = ""
    # A panel drawn by a template of its area instead of a list of figures: the template reads `data`.
    template: str = ""
    data: object = None


_PROVIDERS: list[Callable] = []


def register(provider: Callable) -> Callable:
    """Decorator for `provider(user) -> list[Panel]`; areas register at import of their views."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def panels_for(user) -> list[Panel]:
    result: list[Panel] = []
    for provider in _PROVIDERS:
        result.extend(provider(user) or [])
    return result
