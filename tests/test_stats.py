"""The two statistics quoted on every page, checked against values worked out by hand."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import require_module
from generator.stats import mcnemar_exact_p, wilson_interval


@pytest.mark.parametrize(
    "passed, n, lo, hi",
    [
        # p = 0.8, z² = 3.8415: centre 0.99207/1.38415 = 0.71674, half 0.31361/1.38415 = 0.22657
        (8, 10, 0.4902, 0.9433),
        # 0/10: lo is exactly 0, hi = (z²/n) / (1 + z²/n) = 0.38415/1.38415
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (5, 10, 0.2366, 0.7634),
        (1, 1, 0.2065, 1.0),
    ],
)
def test_wilson_matches_hand_computed_values(passed, n, lo, hi):
    got_lo, got_hi = wilson_interval(passed, n)
    assert got_lo == pytest.approx(lo, abs=5e-5)
    assert got_hi == pytest.approx(hi, abs=5e-5)


def test_wilson_boundaries_are_exact():
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == 1.0
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_wilson_rejects_impossible_counts():
    for passed, n in [(11, 10), (-1, 10), (0, -1)]:
        with pytest.raises(ValueError):
            wilson_interval(passed, n)


@given(st.integers(0, 2000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_contains_the_rate_and_stays_in_range(counts):
    passed, n = counts
    lo, hi = wilson_interval(passed, n)
    assert 0.0 <= lo <= hi <= 1.0
    if n:
        assert lo <= passed / n <= hi
        mirror_lo, mirror_hi = wilson_interval(n - passed, n)
        assert mirror_lo == pytest.approx(1 - hi, abs=1e-12)
        assert mirror_hi == pytest.approx(1 - lo, abs=1e-12)


@pytest.mark.parametrize(
    "b, c, p",
    [
        (1, 6, 0.125),  # 2 × (1 + 7) / 2^7
        (6, 1, 0.125),
        (0, 5, 0.0625),  # 2 × 1 / 2^5
        (3, 1, 0.625),  # 2 × (1 + 4) / 2^4
        (0, 1, 1.0),  # 2 × 1/2, capped
        (4, 4, 1.0),
        (0, 0, 1.0),
        (2, 10, 0.0386),  # 2 × (1 + 12 + 66) / 4096 = 158/4096
    ],
)
def test_mcnemar_matches_hand_computed_values(b, c, p):
    assert mcnemar_exact_p(b, c) == pytest.approx(p, abs=5e-5)


def test_mcnemar_large_counts_are_exact_symmetric_and_bounded():
    p = mcnemar_exact_p(400, 600)
    assert p == mcnemar_exact_p(600, 400)
    assert 0.0 < p < 1e-9
    assert mcnemar_exact_p(5000, 5000) == 1.0
    assert mcnemar_exact_p(0, 2000) == 0.0  # 2 / 2^2000 underflows to zero, never negative


def test_mcnemar_agrees_with_scipy():
    stats = require_module("scipy.stats")  # declared in the test extra
    for b, c in [(1, 6), (3, 17), (40, 55), (120, 90)]:
        assert mcnemar_exact_p(b, c) == pytest.approx(stats.binomtest(b, b + c).pvalue, rel=1e-9)


@given(st.integers(0, 300), st.integers(0, 300))
def test_mcnemar_is_a_probability_and_symmetric(b, c):
    p = mcnemar_exact_p(b, c)
    assert 0.0 <= p <= 1.0
    assert p == mcnemar_exact_p(c, b)


def test_mcnemar_rejects_negative_counts():
    with pytest.raises(ValueError):
        mcnemar_exact_p(-1, 3)
