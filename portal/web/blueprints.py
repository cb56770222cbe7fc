"""Every blueprint of the portal, in registration order (one line per area)."""
from __future__ import annotations

from importlib import import_module

# (area, modules that add routes to the area's blueprint)
AREAS = (
    ("public", ("views", "directory")),
    ("auth", ("views",)),
    ("home", ("views",)),
    ("files", ("views",)),
    ("firms", ("views",)),
    ("filings", ("views",)),
    ("supervision", ("views",)),
    ("integrations", ("views",)),
    ("api", ("views",)),
    ("feedback", ("views",)),
    ("followups", ("views",)),
    ("incidents", ("views",)),
    ("admin", ("views",)),
    ("scoring", ("views",)),
    ("search", ("views",)),
    ("sitechecks", ("views",)),
)


def BLUEPRINTS():  # noqa: N802 - reads like a constant at the call site
    blueprints = []
    for area, route_modules in AREAS:
        for module in route_modules:
            import_module(f"portal.{area}.{module}")
        blueprints.append(import_module(f"portal.{area}.blueprint").bp)
    return blueprints
