"""Who is acting and from where, set by the web layer or a CLI command, read by services and audit.

Services stay free of Flask: they read the actor from this context variable instead of `request`.
"""
from __future__ import annotations

import contextvars
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    user_id: int | None = None
    username: str = "system"
    roles: tuple[str, ...] = ()
    ip: str | None = None
    request_id: str | None = None
    firm_id: int | None = None
    agency_id: int | None = None
    office_id: int | None = None
    district_code: str | None = None  # None for city-wide offices
    extra: dict = field(default_factory=dict)

    @property
    def role(self) -> str:
        return ",".join(self.roles) if self.roles else "system"


SYSTEM = Actor()
_current: contextvars.ContextVar[Actor] = contextvars.ContextVar("portal_actor", default=SYSTEM)


def current_actor() -> Actor:
    return _current.get()


def set_actor(actor: Actor) -> contextvars.Token:
    return _current.set(actor)


def reset_actor(token: contextvars.Token) -> None:
    _current.reset(token)
