"""HTML checks shared by the site tests: a strict HTML5 parse and a link checker over a built site.

Validation uses html5lib, the WHATWG parsing algorithm in pure Python (no Java, no network, so it
runs the same in CI): every parse error the spec defines — unclosed or stray end tags, misnested
formatting elements, tags the parser must move out of tables, bad character references, control
characters — plus what a parser does not flag: duplicate ids, a missing ``lang`` or ``<title>``.

The link checker resolves every ``href``/``src`` of every page the way a browser would from
disk: relative to the page (or to ``<base href>``, which only 404.html uses), a folder link means
its ``index.html``, and a ``#fragment`` must name an id on the target page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import html5lib

LINK_ATTRIBUTES = ("href", "src")


@dataclass
class Parsed:
    errors: list[str]
    ids: set[str] = field(default_factory=set)
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (tag, attribute or rel, value)
    base: str | None = None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_html(text: str) -> Parsed:
    parser = html5lib.HTMLParser(namespaceHTMLElements=False)
    tree = parser.parse(text)
    parsed = Parsed([f"{line}:{col}: {code} {data or ''}".rstrip() for (line, col), code, data in parser.errors])
    seen: set[str] = set()
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue  # comments
        tag = _local(element.tag)
        element_id = element.get("id")
        if element_id is not None:
            if element_id in seen:
                parsed.errors.append(f"duplicate id {element_id!r}")
            seen.add(element_id)
        if tag == "base":
            parsed.base = element.get("href")
            continue
        for attribute in LINK_ATTRIBUTES:
            value = element.get(attribute)
            if value is not None:
                parsed.links.append((tag, element.get("rel") or attribute, value))
        if tag == "meta" and (element.get("http-equiv") or "").lower() == "refresh":
            parsed.links.append((tag, "refresh", element.get("content", "").partition("url=")[2]))
    parsed.ids = seen
    html = tree if _local(tree.tag) == "html" else tree.find("html")
    if html is None or not html.get("lang"):
        parsed.errors.append("<html> without lang")
    if tree.find(".//title") is None or not "".join(tree.find(".//title").itertext()).strip():
        parsed.errors.append("no <title>")
    return parsed


def validate_html(text: str) -> list[str]:
    """Every problem in one page; an empty list means it is valid."""
    return parse_html(text).errors


def is_own_absolute(link: str, base_url: str) -> bool:
    return base_url.startswith(("http://", "https://")) and link.startswith(base_url)


def check_site(out: Path, base_url: str = "") -> dict[str, list[str]]:
    """Validate every page and resolve every link; {page: problems} for the pages with problems.

    ``base_url`` is the site's public URL: a link to our own pages through it (rather than a
    relative one) breaks the site under another sub-path or from disk, so it is a problem too —
    except ``<link rel=canonical>``, whose purpose is to name that URL. A redirect page's
    ``<meta http-equiv=refresh>`` target is checked like a link.
    """
    out = out.resolve()
    pages = {p: parse_html(p.read_text(encoding="utf-8")) for p in sorted(out.rglob("*.html"))}
    problems: dict[str, list[str]] = {}
    for page, parsed in pages.items():
        found = list(parsed.errors)
        folder = out if parsed.base else page.parent
        for tag, attribute, link in parsed.links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https"):
                if is_own_absolute(link, base_url) and attribute != "canonical":
                    found.append(f"absolute link to our own page: {link}")
                continue
            if parts.scheme == "mailto":
                continue
            if parts.scheme or parts.netloc or link.startswith("/"):
                found.append(f"{tag} {attribute} is not relative: {link}")
                continue
            target = (folder / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():  # a web server would serve index.html, but a browser on file:// lists the folder
                found.append(f"{tag} {attribute} links a folder, not its index.html (breaks from disk): {link}")
                continue
            if target != out and out not in target.parents:
                found.append(f"{tag} {attribute} leaves the site: {link}")
            elif not target.is_file():
                found.append(f"{tag} {attribute} is broken: {link}")
            elif parts.fragment and target in pages and unquote(parts.fragment) not in pages[target].ids:
                found.append(f"{tag} {attribute} names a missing anchor: {link}")
        if found:
            problems[page.relative_to(out).as_posix()] = found
    return problems
