"""Checks on an uploaded request, all in memory, before any model sees a byte.

A hostile upload must cost the server little and leave nothing behind:

- the body size is judged from Content-Length before reading, and a body over the limit is never
  read into memory (`body_length`);
- a multipart body is parsed as a stream with a cap on its parts and on each text field, so a
  body of a hundred thousand tiny parts is refused after the first few (`parse_form`);
- the pixel count and the memory decoding will take are worked out from the image header
  before decoding, so a small file that declares 30000x30000 pixels (a decompression bomb), or
  a transparent 16-bit image whose conversion to RGB needs several full-size copies, is refused
  without allocating them (`decoding_bytes`);
- the type is what Pillow identifies from the bytes, limited to the formats browsers show —
  never the file name or the declared Content-Type;
- the full decode is forced (and PNG chunk checksums verified), so a truncated or corrupt file
  fails here with a 400 instead of inside a model thread.

Uploads are never written to disk: the body, its parts and the decoded image live in memory.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import parse_options_header

from ..catalog.images import RASTER_FORMATS

SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"GIF87a", "GIF"), (b"GIF89a", "GIF"),
              (b"BM", "BMP"))
MB = 1024 * 1024
FILE_FIELD = "image"
# Pillow keeps one byte per pixel for 1/L/P, two for 16-bit grey, four for every other mode
# (RGB included). On top of the decoded image, `open_image` holds at most one more 4-byte copy
# (EXIF rotation or conversion to RGB), or three for a transparent image (RGBA, the white
# background, the composite), plus the decoder's own buffers;
# `test_decoding_stays_within_its_estimate` measures the peak.
COPIES = 1
COPIES_WITH_ALPHA = 3
DECODER_BYTES = 2 * MB


@dataclass(frozen=True)
class Limits:
    """What one request may cost; `leaderboard serve` exposes each as an option."""

    max_bytes: int = 20 * MB  # request body
    max_pixels: int = 40_000_000  # width x height
    max_memory: int = 512 * MB  # decoded pixels held while preparing the image (`decoding_bytes`)
    max_runs: int = 2  # POST /api/run requests in flight; more get 503 with Retry-After
    max_parts: int = 8  # multipart parts (the form has four)
    max_field_bytes: int = 64 * 1024  # each multipart text field (task, prompt, models)
    body_seconds: float = 60.0  # time a client may take to send its body


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


def parse_form(content_type: str, body: bytes, limits: Limits) -> dict[str, bytes]:
    """The fields of a multipart/form-data body by name (the file field's bytes as sent; the last
    of repeated names wins). More than `max_parts` parts, or a text field over `max_field_bytes`,
    is refused the moment the parser reaches it."""
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise UploadError(400, "the multipart body has no boundary in its Content-Type")
    fields: dict[str, bytes] = {}
    state = {"parts": 0, "header": b"", "value": b"", "name": None, "data": bytearray()}

    def part_begin() -> None:
        state["parts"] += 1
        if state["parts"] > limits.max_parts:
            raise UploadError(413, f"the form has more than {limits.max_parts} parts; it needs four "
                                   f"({FILE_FIELD}, task, prompt, models)")
        state["name"], state["data"] = None, bytearray()

    def header_field(data: bytes, start: int, end: int) -> None:
        state["header"] += data[start:end]

    def header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def header_end() -> None:
        if state["header"].lower() == b"content-disposition":
            name = parse_options_header(state["value"])[1].get(b"name")
            state["name"] = name.decode("utf-8", "replace") if name is not None else None
        state["header"], state["value"] = b"", b""

    def part_data(data: bytes, start: int, end: int) -> None:
        state["data"] += data[start:end]
        if state["name"] != FILE_FIELD and len(state["data"]) > limits.max_field_bytes:
            raise UploadError(413, f"the form field {state['name']!r} is over {limits.max_field_bytes // 1024} KB")

    def part_end() -> None:
        if state["name"]:
            fields[state["name"]] = bytes(state["data"])

    parser = MultipartParser(boundary, {"on_part_begin": part_begin, "on_header_field": header_field,
                                        "on_header_value": header_value, "on_header_end": header_end,
                                        "on_part_data": part_data, "on_part_end": part_end})
    try:
        parser.write(body)
        parser.finalize()
    except MultipartParseError as e:
        raise UploadError(400, f"the multipart body could not be parsed ({e})") from None
    if not fields and state["parts"] == 0:
        raise UploadError(400, "the multipart body could not be parsed (missing or wrong boundary)")
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
    ImageOps.exif_transpose(image, in_place=True)
    return _to_rgb(image)


def decoding_bytes(image: Image.Image) -> int:
    """The most memory `open_image` holds for this image's pixels, from its header alone."""
    width, height = image.size
    mode = image.mode
    stored = 1 if mode in ("1", "L", "P") else 2 if mode.startswith("I;16") else 4
    copies = COPIES_WITH_ALPHA if _has_alpha(image) else COPIES
    return width * height * (stored + 4 * copies) + DECODER_BYTES


def _identify(data: bytes, limits: Limits) -> Image.Image:
    """Open lazily (header only) and check type, pixel count and decoding memory before any
    pixel is decoded."""
    try:
        image = Image.open(io.BytesIO(data), formats=RASTER_FORMATS)
    except Image.DecompressionBombError:
        raise UploadError(413, f"the image declares more than {2 * Image.MAX_IMAGE_PIXELS / 1e6:.0f} megapixels (a "
                               f"decompression bomb?); the limit is {limits.max_pixels / 1e6:g} megapixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        claimed = _signature(data)
        if claimed:
            raise UploadError(400, f"the file starts like a {claimed} image but its header is truncated or "
                                   "corrupt") from None
        raise UploadError(415, f"not an image this server accepts: send {', '.join(RASTER_FORMATS)} "
                               "(the file's content is checked, not its name)") from None
    width, height = image.size
    if width < 1 or height < 1:
        raise UploadError(400, f"the image declares an empty size {width}x{height}")
    if width * height > limits.max_pixels:
        raise UploadError(413, f"the image is {width}x{height} = {width * height / 1e6:.1f} megapixels; "
                               f"the limit is {limits.max_pixels / 1e6:g} megapixels")
    needed = decoding_bytes(image)
    if needed > limits.max_memory:
        raise UploadError(413, f"the {width}x{height} {image.mode} image needs {needed / MB:.0f} MB to decode; "
                               f"the limit is {limits.max_memory / MB:g} MB")
    return image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _signature(data: bytes) -> str | None:
    """The accepted format whose magic bytes the data starts with, if any."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return next((name for magic, name in SIGNATURES if data.startswith(magic)), None)


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if _has_alpha(image):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        white.alpha_composite(rgba)  # in place: no third full-size copy
        del rgba
        return white.convert("RGB")
    return image.convert("RGB")
