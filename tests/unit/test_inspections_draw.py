"""The random draw is reproducible from its seed and respects weights (Efraimidis–Spirakis)."""
import random

import pytest

from portal.supervision.draw import Candidate, DrawError, draw, weighted_sample


def test_draw_is_reproducible_from_its_seed():
    candidates = [Candidate(f"firm:{i}", w) for i, w in enumerate([1, 2, 4, 0.5, 1, 3], start=1)]
    first = draw("abc123", candidates, 3, [10, 11, 12, 13])
    again = draw("abc123", candidates, 3, [13, 12, 11, 10])
    assert first == again
    assert len(set(first.chosen)) == 3
    assert len(set(first.inspectors)) == 2
    assert set(first.inspectors) <= {10, 11, 12, 13}


def test_different_seeds_give_different_draws_sometimes():
    candidates = [Candidate(f"firm:{i}", 1) for i in range(20)]
    results = {draw(f"seed-{s}", candidates, 3, [1, 2, 3]).chosen for s in range(20)}
    assert len(results) > 10


def test_single_pick_frequencies_follow_weights_chi_square():
    weights = [1, 2, 4]
    candidates = [Candidate(f"k{i}", w) for i, w in enumerate(weights)]
    rng = random.Random(2026)
    counts = {c.key: 0 for c in candidates}
    draws = 4000
    for _ in range(draws):
        counts[weighted_sample(candidates, 1, rng)[0]] += 1
    total_w = sum(weights)
    expected = {f"k{i}": draws * w / total_w for i, w in enumerate(weights)}
    chi2 = sum((counts[k] - expected[k]) ** 2 / expected[k] for k in counts)
    # 2 degrees of freedom: the 99.9% quantile is 13.82.
    assert chi2 < 13.82, (counts, chi2)
    for k in counts:
        assert abs(counts[k] / draws - expected[k] / draws) < 0.03


def test_sampling_without_replacement_never_repeats_and_skips_zero_weight():
    candidates = [Candidate("a", 1), Candidate("b", 0), Candidate("c", 5), Candidate("d", 1)]
    rng = random.Random(1)
    for _ in range(200):
        picked = weighted_sample(candidates, 3, rng)
        assert len(picked) == len(set(picked)) == 3
        assert "b" not in picked


def test_heavier_candidate_is_in_a_two_of_four_draw_more_often():
    candidates = [Candidate("light", 1), Candidate("x", 1), Candidate("y", 1), Candidate("heavy", 4)]
    rng = random.Random(7)
    heavy = light = 0
    for _ in range(2000):
        picked = weighted_sample(candidates, 2, rng)
        heavy += "heavy" in picked
        light += "light" in picked
    assert heavy > 1.5 * light


def test_draw_refuses_too_few_candidates_or_inspectors():
    with pytest.raises(DrawError):
        draw("s", [Candidate("a", 1)], 2, [1, 2])
    with pytest.raises(DrawError):
        draw("s", [Candidate("a", 1), Candidate("b", 1)], 1, [1])
