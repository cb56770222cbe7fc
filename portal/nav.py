"""Main navigation: areas register entries; the layout shows those the user may visit."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str  # msgid, translated in the template
    order: int = 50


_ITEMS: dict[str, NavItem] = {}


def register(endpoint: str, label: str, order: int = 50) -> None:
    _ITEMS[endpoint] = NavItem(endpoint, label, order)


def items() -> list[NavItem]:
    return sorted(_ITEMS.values(), key=lambda i: (i.order, i.endpoint))
