"""The two statistics the site quotes: Wilson score intervals and the exact McNemar test.

Pure functions on counts, with no pandas or scipy, so the maths is easy to check by hand and
the site build stays light. Leaderboard suites are small (tens to hundreds of prompts), which
is exactly where the normal approximation misleads: Wilson keeps intervals inside 0..1 and
sensible at 0/n and n/n, and McNemar is computed from the exact binomial, not chi-squared.
"""

from __future__ import annotations

from math import sqrt

Z95 = 1.959964  # two-sided 95% quantile of the standard normal


def wilson_interval(passed: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval (lo, hi) for a pass rate of passed/n, both within 0..1.

    With no observations nothing is known, so the interval is the whole range (0.0, 1.0).
    """
    if n < 0 or not 0 <= passed <= n:
        raise ValueError(f"need 0 <= passed <= n, got passed={passed}, n={n}")
    if n == 0:
        return 0.0, 1.0
    p = passed / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    # At 0/n and n/n one end is exactly the boundary; pin it rather than trust rounding.
    lo = 0.0 if passed == 0 else max(0.0, centre - half)
    hi = 1.0 if passed == n else min(1.0, centre + half)
    return lo, hi


def mcnemar_exact_p(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value for b and c discordant pairs.

    Under the null hypothesis each discordant pair goes either way with probability 1/2, so
    the p-value is twice the smaller binomial tail of Binomial(b + c, 1/2), capped at 1.
    Integer arithmetic keeps it exact; the single final division is correctly rounded.
    """
    if b < 0 or c < 0:
        raise ValueError(f"discordant counts must be non-negative, got b={b}, c={c}")
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    term = 1  # C(n, 0); then C(n, i+1) = C(n, i) * (n - i) / (i + 1), exact in integers
    tail = 0
    for i in range(k + 1):
        tail += term
        term = term * (n - i) // (i + 1)
    return min(1.0, 2 * tail / (1 << n))


__all__ = ["Z95", "mcnemar_exact_p", "wilson_interval"]
