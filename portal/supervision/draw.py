"""Random inspection draw (双随机一公开): weighted sampling without replacement, reproducible from a seed.

Algorithm (Efraimidis & Spirakis, 2006, "A-Res"): every candidate i with weight w_i > 0 gets the key
u_i ** (1 / w_i), with u_i drawn uniformly from (0, 1) in candidate order; the n candidates with the
largest keys are chosen. The probability that a candidate is drawn first is w_i / sum(w), and later
picks follow the same rule on the remaining candidates, which is weighted sampling without replacement.
Inspectors are then drawn uniformly (all weights 1) from a second stream of the same generator.

Everything is a pure function of (seed, candidates, inspectors, n): re-running it with the stored
inputs must give the stored result, which is how a draw is audited.
"""
from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from portal.core.msgids import N_


class DrawError(ValueError):
    """The draw cannot be made with these inputs (msgid in ``args[0]``)."""


@dataclass(frozen=True)
class Candidate:
    key: str  # e.g. "firm:12" or "filing:40"
    weight: Decimal | float | int


@dataclass(frozen=True)
class DrawResult:
    chosen: tuple[str, ...]
    inspectors: tuple[int, ...]


def _rng(seed: str, stream: str) -> random.Random:
    # A string seed is hashed so the generator state does not depend on Python's hash randomisation.
    digest = hashlib.sha256(f"{seed}:{stream}".encode()).digest()
    return random.Random(int.from_bytes(digest, "big"))


def weighted_sample(candidates: Sequence[Candidate], n: int, rng: random.Random) -> list[str]:
    """Choose ``n`` keys without replacement, each pick proportional to weight (Efraimidis–Spirakis).

    Candidates with weight ≤ 0 are never chosen. Keys come back in draw order (largest key first).
    """
    if n < 0:
        raise DrawError(N_("The number to draw must be positive."))
    scored: list[tuple[float, int, str]] = []
    for position, candidate in enumerate(candidates):
        u = rng.random()
        weight = float(candidate.weight)
        if weight <= 0:
            continue
        # u is in [0, 1); 0 would give key 0 for every weight, which only matters for ties.
        scored.append((u ** (1.0 / weight), -position, candidate.key))
    scored.sort(reverse=True)
    return [key for _score, _pos, key in scored[:n]]


def draw(seed: str, candidates: Sequence[Candidate], n: int, inspector_ids: Sequence[int],
         inspectors_per_target: int = 2) -> DrawResult:
    """The whole draw: ``n`` targets by weight, then ``inspectors_per_target`` inspectors uniformly."""
    if n < 1:
        raise DrawError(N_("The number to draw must be positive."))
    eligible = [c for c in candidates if float(c.weight) > 0]
    if len(eligible) < n:
        raise DrawError(N_("There are fewer candidates than the number to draw."))
    if len(set(inspector_ids)) < inspectors_per_target:
        raise DrawError(N_("At least two regulators of the jurisdiction are needed as inspectors."))
    chosen = weighted_sample(candidates, n, _rng(seed, "targets"))
    people = sorted(set(inspector_ids))
    picked = _rng(seed, "inspectors").sample(people, inspectors_per_target)
    return DrawResult(chosen=tuple(chosen), inspectors=tuple(picked))


def new_seed(source: random.Random | None = None) -> str:
    """A fresh 32-hex-digit seed (from ``source`` when given, for deterministic demo data)."""
    if source is not None:
        return f"{source.getrandbits(128):032x}"
    import secrets

    return secrets.token_hex(16)
