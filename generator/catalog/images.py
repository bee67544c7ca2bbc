"""Suite images are published as they are, so each must be a raster image, by content and by name.

A suite "image" is copied byte for byte into ``public/media/`` and opened in the site's origin.
An SVG (which can hold script), an HTML page or a GIF/HTML polyglot named ``.html`` would run
there; so the file must be a PNG, JPEG, WebP, GIF or BMP as Pillow reads it from its bytes, its
name must end in an extension of that kind (a host picks the Content-Type from the name), and it
must not be empty or truncated.

Cost: a PNG's chunk structure and every chunk checksum are verified through ``IEND`` without
inflating the pixels (0.02 s for the 96 shipped PNGs, against 0.3 s for a full decode); other
formats are decoded in full. A PNG whose checksums were recomputed over broken pixel data passes,
and is shown by a browser as a broken image: nothing in it can run.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

RASTER_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP")
EXTENSIONS = {"PNG": (".png",), "JPEG": (".jpg", ".jpeg"), "WEBP": (".webp",), "GIF": (".gif",), "BMP": (".bmp",)}
KINDS = "a PNG, JPEG, WebP, GIF or BMP image"


def raster_problem(path: Path) -> str | None:
    """Why the file at ``path`` cannot be published as a suite image, or None if it can."""
    if path.stat().st_size == 0:
        return "is empty"
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path, formats=RASTER_FORMATS) as image:
                fmt = image.format
                if fmt == "PNG":
                    image.verify()
                else:
                    image.load()
        except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
            if isinstance(e, UnidentifiedImageError):
                return f"is not {KINDS}"
            return f"has too many pixels to publish ({e})"
        except (OSError, SyntaxError, ValueError, EOFError) as e:
            return f"is truncated or corrupt ({e})"
    if path.suffix.lower() not in EXTENSIONS[fmt]:
        return f"name ends in {path.suffix.lower()!r}; {KINDS} is expected (this file is a {fmt})"
    return None
