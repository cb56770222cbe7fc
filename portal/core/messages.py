"""Translatable messages with parameters, produced by pure code and rendered at display time."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Message:
    """A msgid with ``%(name)s`` parameters, kept apart so the UI can translate before formatting.

    ``translatable`` names the parameters whose values are themselves msgids (a dimension's name, a
    veto's name); ``render`` translates those too, so "Filing compliance" inside a sentence comes out
    in the reader's language.
    """

    msgid: str
    params: tuple[tuple[str, str], ...] = ()
    translatable: tuple[str, ...] = ()

    @classmethod
    def of(cls, msgid: str, translatable: tuple[str, ...] = (), **params: Any) -> Message:
        return cls(msgid, tuple(sorted((k, str(v)) for k, v in params.items())), tuple(sorted(translatable)))

    @property
    def params_dict(self) -> dict[str, str]:
        return dict(self.params)

    def render(self, translate: Callable[[str], str] = lambda s: s) -> str:
        values = {k: translate(v) if k in self.translatable else v for k, v in self.params}
        text = translate(self.msgid)
        return text % values if values else text

    def __str__(self) -> str:
        return self.render()

    def to_dict(self) -> dict[str, Any]:
        return {"msgid": self.msgid, "params": dict(self.params), "translatable": list(self.translatable)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Message:
        params = data.get("params") or {}
        return cls(
            str(data["msgid"]),
            tuple(sorted((str(k), str(v)) for k, v in params.items())),
            tuple(sorted(str(k) for k in data.get("translatable") or ())),
        )
