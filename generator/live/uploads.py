"""Checks on an uploaded image, all in memory, before any model sees a byte.

A hostile upload must cost the server almost nothing and leave nothing behind:

- the body size is judged from Content-Length before reading, and a body over the limit is never
  read into memory (`body_length`);
- the pixel count is read from the image header before decoding, so a small file that declares
  30000x30000 pixels (a decompression bomb) is refused without allocating them;
- the type is what Pillow identifies from the bytes, limited to the formats browsers show —
  never the file name or the declared Content-Type;
- the full decode is forced (and PNG chunk checksums verified), so a truncated or corrupt file
  fails here with a 400 instead of inside a model thread.

Uploads are never written to disk.
"""

from __future__ import annotations

import email.parser
import email.policy
import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP")
SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"GIF87a", "GIF"), (b"GIF89a", "GIF"),
              (b"BM", "BMP"))
MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * MB
    max_pixels: int = 40_000_000


class UploadError(Exception):
    """A request the server refuses, with the HTTP status and a message meant for a person."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def body_length(header: str | None, limits: Limits) -> int:
    """The declared body length, refused before reading when missing, malformed or over the limit."""
    if header is None:
        raise UploadError(411, "the request needs a Content-Length header (chunked uploads are not accepted)")
    try:
        length = int(header)
    except ValueError:
        raise UploadError(400, f"Content-Length {header!r} is not a number") from None
    if length < 0:
        raise UploadError(400, "Content-Length is negative")
    if length > limits.max_bytes:
        raise UploadError(413, f"the upload is {length / MB:.1f} MB; the limit is {limits.max_bytes / MB:g} MB")
    if length == 0:
        raise UploadError(400, "the request has no body: send an image")
    return length


def parse_form(content_type: str, body: bytes) -> dict[str, bytes]:
    """The fields of a multipart/form-data body by name (a file field's bytes as sent)."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise UploadError(400, "the multipart body could not be parsed (missing or wrong boundary)")
    fields: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            fields[str(name)] = part.get_payload(decode=True) or b""
    return fields


def open_image(data: bytes, limits: Limits) -> Image.Image:
    """Decode an upload into an RGB image the way a browser shows it (EXIF orientation applied,
    transparency over white), or raise UploadError with 413, 415 or 400."""
    if not data:
        raise UploadError(400, "the image field is empty: choose an image file")
    image = _identify(data, limits)
    try:
        if image.format == "PNG":
            image.verify()  # chunk CRCs: a flipped byte is corruption, not a different picture
            image = _identify(data, limits)
        image.load()
    except (OSError, SyntaxError, ValueError) as e:
        raise UploadError(400, f"the {image.format} image is truncated or corrupt ({e})") from None
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)  # animated GIF/WebP: the models see the first frame, as a thumbnail shows
    image = ImageOps.exif_transpose(image)
    return _to_rgb(image)


def _identify(data: bytes, limits: Limits) -> Image.Image:
    """Open lazily (header only) and check type and pixel count before any pixel is decoded."""
    try:
        image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except Image.DecompressionBombError:
        raise UploadError(413, f"the image declares more than {2 * Image.MAX_IMAGE_PIXELS / 1e6:.0f} megapixels (a "
                               f"decompression bomb?); the limit is {limits.max_pixels / 1e6:g} megapixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        claimed = _signature(data)
        if claimed:
            raise UploadError(400, f"the file starts like a {claimed} image but its header is truncated or "
                                   "corrupt") from None
        raise UploadError(415, f"not an image this server accepts: send {', '.join(ALLOWED_FORMATS)} "
                               "(the file's content is checked, not its name)") from None
    width, height = image.size
    if width < 1 or height < 1:
        raise UploadError(400, f"the image declares an empty size {width}x{height}")
    if width * height > limits.max_pixels:
        raise UploadError(413, f"the image is {width}x{height} = {width * height / 1e6:.1f} megapixels; "
                               f"the limit is {limits.max_pixels / 1e6:g} megapixels")
    return image


def _signature(data: bytes) -> str | None:
    """The accepted format whose magic bytes the data starts with, if any."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return next((name for magic, name in SIGNATURES if data.startswith(magic)), None)


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")
