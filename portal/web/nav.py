"""Main navigation: areas register entries in one of a few groups; the layout shows those the user may
visit, a group with one entry as a plain link and a larger one as a drop-down."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for

from portal.core.msgids import N_
from portal.web.permissions import access_of, allowed

# The menu's sections, in their order: at most seven, so the menu fits one line at 1440 px in English.
GROUPS: dict[str, str] = {
    "work": N_("My work"),
    "firms": N_("Firms"),
    "projects": N_("Projects"),
    "supervision": N_("Supervision"),
    "evaluation": N_("Evaluation"),
    "admin": N_("Administration"),
}


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str  # msgid, translated in the template
    order: int = 50
    group: str = "work"


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: str  # msgid
    entries: tuple[tuple[NavItem, str], ...]


_ITEMS: dict[str, NavItem] = {}
MAX_MENUS = 256


def register(endpoint: str, label: str, order: int = 50, group: str = "work") -> None:
    if group not in GROUPS:
        raise ValueError(f"unknown menu group {group!r}")
    _ITEMS[endpoint] = NavItem(endpoint, label, order, group)


def items() -> list[NavItem]:
    return sorted(_ITEMS.values(), key=lambda i: (i.order, i.endpoint))


def menu(user) -> tuple[tuple[NavItem, str], ...]:
    """The entries `user` may visit, each with its URL. Access depends only on the roles (views declare
    it once) and a URL without arguments only on where the portal is mounted, so the menu is worked out
    once per set of roles and mount point instead of on every page."""
    roles = user.role_codes if user.is_authenticated else ()
    # len(_ITEMS): an entry registered after a menu was worked out starts new menus.
    key = (bool(user.is_authenticated), roles, request.host, request.script_root, len(_ITEMS))
    cache = current_app.extensions.setdefault("portal.nav_menus", {})
    found = cache.get(key)
    if found is None:
        if len(cache) >= MAX_MENUS:  # the Host header is the client's: never let it grow the cache
            cache.clear()
        views = current_app.view_functions
        found = cache[key] = tuple(
            (item, url_for(item.endpoint)) for item in items()
            if item.endpoint in views and allowed(user, access_of(views[item.endpoint]))
        )
    return found


def grouped(user) -> tuple[NavGroup, ...]:
    """The user's menu in its sections (empty sections left out), entries in their order."""
    entries = menu(user)
    return tuple(NavGroup(key, label, found) for key, label in GROUPS.items()
                 if (found := tuple(e for e in entries if e[0].group == key)))
