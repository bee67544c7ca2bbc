"""Markdown from cards and suites -> safe HTML.

Two layers, because card text is untrusted input:

1. Python-Markdown with its raw-HTML paths removed (the ``html_block`` preprocessor and the
   ``html`` inline pattern), so ``<script>`` in a card comes out as visible, escaped text.
   Images are removed too: an ``![x](https://…)`` would be a third-party request.
2. nh3 (ammonia) with explicit allow-lists of tags, attributes and URL schemes: only
   ``http``, ``https`` and ``mailto`` links survive (no ``javascript:``, ``data:`` or relative
   paths that could not resolve inside the site), and every link gets ``rel="nofollow noopener"``.

Headings are shifted down two levels so a card's ``# Title`` cannot compete with the page's h1.
"""

from __future__ import annotations

import html as _html
import re
from functools import lru_cache

import markdown as _markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "del", "sup", "sub",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
_SAFE_HREF = re.compile(r"^(?:https?://|mailto:)", re.IGNORECASE)
_HEADING = re.compile(r"<(/?)h([1-6])>")
# C0/C1 control characters (except tab and newline) and bidirectional overrides/isolates:
# invisible characters that can make text read differently from what it is.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    if element == "a" and attribute == "href":
        return value if _SAFE_HREF.match(value.strip()) else None
    if attribute == "align":
        return value if value in {"left", "right", "center"} else None
    return value


def _converter() -> _markdown.Markdown:
    md = _markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists"], output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    for name in ("image_link", "image_reference", "short_image_ref"):
        md.inlinePatterns.deregister(name)
    md.postprocessors.deregister("raw_html")
    return md


_MD = _converter()


def strip_invisible(text: str) -> str:
    return _INVISIBLE.sub("", text)


def _shift_heading(match: re.Match) -> str:
    return f"<{match.group(1)}h{min(6, int(match.group(2)) + 2)}>"


@lru_cache(maxsize=4096)
def render_markdown(text: str | None) -> Markup:
    """Untrusted Markdown -> sanitised HTML (a Markup, safe to insert unescaped)."""
    if not text:
        return Markup("")
    _MD.reset()
    html = _MD.convert(strip_invisible(text))
    html = _HEADING.sub(_shift_heading, html)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_attribute_filter,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )
    return Markup(clean)


def plain_text(text: str | None) -> str:
    """Markdown -> plain text (for meta descriptions and the search index)."""
    if not text:
        return ""
    stripped = nh3.clean(str(render_markdown(text)), tags=set())
    return re.sub(r"\s+", " ", _html.unescape(stripped)).strip()
