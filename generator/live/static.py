"""Map a request path to a file of the built site, and nothing else.

The site folder is the only thing `serve` exposes: the decoded path is split into segments,
any `..`, `.`, backslash or NUL segment is refused, and the resolved file (after symlinks) must
still lie under the folder. Folders answer with their index.html, after a redirect that adds the
trailing slash the site's relative links rely on.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote

# what browsers must see for the site's own files, whatever the host's mime.types says
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".jsonl": "application/x-ndjson",
    ".csv": "text/csv; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".ico": "image/x-icon",
    ".wasm": "application/wasm",
    ".woff2": "font/woff2",
}


@dataclass(frozen=True)
class Found:
    path: Path
    content_type: str


@dataclass(frozen=True)
class Redirect:
    location: str


def content_type(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def resolve(public: Path, url_path: str, query: str = "") -> Found | Redirect | None:
    """The file for a URL path (already split from its query), a redirect, or None for 404."""
    try:
        decoded = unquote(url_path, errors="strict")
    except UnicodeDecodeError:
        return None
    segments = [s for s in decoded.split("/") if s]
    if any(s in (".", "..") or "\\" in s or "\x00" in s for s in segments):
        return None
    root = public.resolve()
    candidate = root.joinpath(*segments).resolve() if segments else root
    if not candidate.is_relative_to(root):
        return None  # a symlink pointing out of the site
    if candidate.is_dir():
        if not url_path.endswith("/"):
            # rebuilt from the clean segments: "//host" must never become an off-site Location
            location = "/" + "".join(quote(s) + "/" for s in segments)
            return Redirect(location + (f"?{query}" if query else ""))
        candidate = candidate / "index.html"
    if not candidate.is_file():
        return None
    return Found(candidate, content_type(candidate))
