"""The Jinja environment: autoescaping on, strict undefined, and the filters every page uses.

Formatting rules live here once so every page agrees: a missing value is "—" (never 0), a
rate is a percentage with one decimal, a cost keeps two significant digits, links are
relative to the page (``url``) so the site works under any sub-path and from disk.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from markupsafe import Markup, escape

from ..catalog.schemas import ScoreBands
from .markdown import strip_invisible

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
DASH = "—"


def missing(value: Any) -> bool:
    """None, "", NaN and pandas' NA are all "unknown" (NA only exists once pandas is imported: a
    build never imports it, an analyst's frame may)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return value == ""
    pandas = sys.modules.get("pandas")
    return pandas is not None and value is pandas.NA


def dash(value: Any) -> Any:
    return DASH if missing(value) else value


def pct(rate: float | None, digits: int = 1) -> str:
    """0.6866 -> '68.7%'; missing -> '—'."""
    if missing(rate):
        return DASH
    return f"{rate * 100:.{digits}f}%"


def seconds(value: float | None) -> str:
    """Latency: '850 ms', '2.41 s', '30.2 s'."""
    if missing(value):
        return DASH
    if value < 1:
        return f"{value * 1000:.0f} ms"
    if value < 10:
        return f"{value:.2f} s"
    return f"{value:.1f} s"


def number(value: float | int | None, digits: int = 0) -> str:
    if missing(value):
        return DASH
    if float(value).is_integer() and digits == 0:
        return f"{int(value):,}"
    return f"{value:,.{digits or 1}f}"


def usd(value: float | None) -> str:
    """Cost with two significant digits and no scientific notation: '$0.00012', '$1.30'."""
    if missing(value):
        return DASH
    if value == 0:
        return "$0"
    if value >= 1:
        return f"${value:,.2f}"
    decimals = max(2, 1 - math.floor(math.log10(abs(value))))
    return f"${value:.{decimals}f}"


def price(value: float | None, currency: str = "USD") -> str:
    """A price per 1M tokens as published: '$0.13'."""
    if missing(value):
        return DASH
    text = f"{value:.3f}".rstrip("0")
    if len(text.split(".")[1]) < 2:
        text = f"{value:.2f}"
    return f"${text}" if currency == "USD" else f"{text} {currency}"


def fig(value: float | None) -> str:
    """A published figure as its authors wrote it: 294.0 -> '294', 68.66 -> '68.66'."""
    if missing(value):
        return DASH
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def kn(passed: int | None, n: int | None) -> str:
    if missing(n) or not n:
        return DASH
    return f"{int(passed)}/{int(n)}"


def pvalue(p: float | None) -> str:
    if missing(p):
        return DASH
    if p < 0.001:
        return "< 0.001"
    return f"{p:.3f}" if p < 0.1 else f"{p:.2f}"


def band_of(rate: float | None, bands: ScoreBands) -> str:
    if missing(rate):
        return "none"
    value = rate * 100
    if value >= bands.good:
        return "good"
    if value >= bands.fair:
        return "fair"
    return "poor"


BAND_LABELS = {"good": "high", "fair": "mid", "poor": "low", "none": "no data"}


def interval_bar(rate: float | None, lo: float | None, hi: float | None) -> Markup:
    """A tiny CSS bar: the Wilson interval as a band, the rate as a tick; text for screen readers."""
    if missing(rate):
        return Markup("")
    left, width, point = lo * 100, max(0.5, (hi - lo) * 100), rate * 100
    label = f"95% interval {lo * 100:.0f}–{hi * 100:.0f}%"
    return Markup(
        f'<span class="ibar" role="img" aria-label="{label}" title="{label}">'
        f'<span class="ibar-r" style="left:{left:.1f}%;width:{width:.1f}%"></span>'
        f'<span class="ibar-p" style="left:{point:.1f}%"></span></span>'
    )


def interval_text(lo: float | None, hi: float | None) -> str:
    if missing(lo) or missing(hi):
        return DASH
    return f"{lo * 100:.0f}–{hi * 100:.0f}%"


def truncate_text(text: str | None, limit: int = 160) -> str:
    if text is None:
        return ""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def page_root(path: str) -> str:
    """'compare/a-vs-b/index.html' -> '../../'; 'index.html' -> ''."""
    return "../" * path.count("/")


def pretty(path: str) -> str:
    """The public URL path of an output file: 'models/x/index.html' -> 'models/x/'."""
    if path == "index.html":
        return ""
    return path[: -len("index.html")] if path.endswith("/index.html") else path


def rel_url(root: str, target: str) -> str:
    """Link from a page at depth ``root`` to a site path; directories get index.html so that
    the site also works opened from disk (file:// shows folder listings, not index.html)."""
    if target == "" or target.endswith("/"):
        target += "index.html"
    return root + target


@pass_context
def url(ctx, target: str) -> str:
    return rel_url(ctx["root"], target)


def _finalize(value: Any) -> Any:
    """Every {{ expression }}: plain strings lose control characters and bidi overrides
    (untrusted card text and model output must not reorder what a reader sees). Printable ASCII,
    most of what a page shows, has none of them: two C-level checks skip the regex for it."""
    if type(value) is str and not (value.isascii() and value.isprintable()):
        return strip_invisible(value)
    return value


def safe_text(value: Any) -> Markup:
    """escape() for fragments built in Python, with the same invisible-character stripping."""
    return escape(strip_invisible(str(value)))


def cached(cache: dict, key: tuple, make: Callable[[], Any]) -> Any:
    """``cache[key]``, made on first use: the per-worker fragments pages reuse (never None)."""
    value = cache.get(key)
    if value is None:
        value = cache[key] = make()
    return value


def site_env(cache: dict, bands: ScoreBands) -> Environment:
    """The one environment of a build, kept in ``cache`` (the site's): pages and the macros of
    their fragments share it, so each template compiles once, before the render workers fork,
    instead of once more in every worker for the fragments."""
    return cached(cache, ("env",), lambda: make_env(bands=bands))


def macros(cache: dict, template: str, bands: ScoreBands, root: str | None = None):
    """A template's macros as Python callables, loaded once per process and kept in ``cache``:
    for fragments that are the same on many pages, rendered once and reused as Markup. ``root``
    (the pages' depth, e.g. '../../') lets the macros call ``url`` as the pages themselves do."""
    def load():
        template_ = site_env(cache, bands).get_template(template)
        return template_.module if root is None else template_.make_module({"root": root})
    return cached(cache, ("macros", template, root), load)


def make_env(template_dir: Path = TEMPLATE_DIR, bands: ScoreBands | None = None) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(template_dir)),
        autoescape=True,  # on for every template, .xml and .txt included
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        cache_size=-1,
    )
    env.finalize = _finalize
    bands = bands or ScoreBands()
    env.filters.update(
        dash=dash, fig=fig, pct=pct, seconds=seconds, number=number, usd=usd, price=price, pvalue=pvalue,
        interval_text=interval_text, truncate_text=truncate_text,
        band=lambda rate: band_of(rate, bands),
    )
    env.globals.update(
        url=url, kn=kn, interval_bar=interval_bar, missing=missing, DASH=DASH,
        band_label=lambda rate: BAND_LABELS[band_of(rate, bands)], bands=bands, escape=escape,
    )
    return env
