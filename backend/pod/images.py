"""Uploaded photos and signatures are decoded and written again before they are kept.

A file whose first bytes say PNG can still carry HTML or script after them (a polyglot), and a phone's
photo carries EXIF metadata (the driver's position, the device). Keeping only what an image decoder
draws removes both: the stored bytes are a fresh JPEG (photos) or PNG (signatures and other PNGs, kept
lossless), with no metadata. What does not decode as JPEG, PNG or WebP is refused with 422.

Pillow does the decoding (a well-kept library; hand-written checks of magic bytes are what let the
polyglot in). Only the three formats' decoders are tried, and images beyond MAX_PIXELS are refused
before their pixels are decoded (decompression bombs).
"""
from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from backend.errors import InvalidInput

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_PIXELS = 40_000_000  # above any phone camera's default resolution
JPEG_QUALITY = 85
NOT_AN_IMAGE = "Send a JPEG, PNG or WebP image."


def _refuse(reason: str) -> InvalidInput:
    return InvalidInput(NOT_AN_IMAGE, fields={"file": [reason]})


def reencode(data: bytes) -> tuple[bytes, str]:
    """(bytes, content type) of the image drawn again without anything else from the upload."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
            if image.width * image.height > MAX_PIXELS:
                raise _refuse(f"Larger than {MAX_PIXELS // 1_000_000} megapixels.")
            source_format = image.format
            image.load()
            # EXIF orientation is applied to the pixels, since the EXIF block itself is not kept.
            image = ImageOps.exif_transpose(image)
    except InvalidInput:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse("Not an image.")
    except (OSError, ValueError, SyntaxError, EOFError):
        # Truncated or corrupt data behind a valid header.
        raise _refuse("The image cannot be read.")
    alpha = _has_alpha(image)
    out = io.BytesIO()
    if source_format == "PNG":
        if image.mode not in ("1", "L", "LA", "RGB", "RGBA"):
            image = image.convert("RGBA" if alpha else "RGB")
        image.info = {}  # text chunks, ICC profile, EXIF: none of it is kept
        image.save(out, format="PNG", optimize=True)
        return out.getvalue(), "image/png"
    if alpha:
        # JPEG has no transparency: a transparent area shows as white, as on paper.
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    image.info = {}
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue(), "image/jpeg"


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
