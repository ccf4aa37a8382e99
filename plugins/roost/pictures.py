"""What counts as a picture Roost keeps: the one check every mirrored avatar and attached image
passes before it is stored in the records (``Store.add_media``), and so before it is published.

A file is kept only when it is PNG, JPEG, GIF or WebP, says so, and Pillow decodes it, every
frame, as that type. So never SVG (it can carry script), never HTML behind a PNG signature,
never a "WebP" that is only a ``RIFF`` header, never a truncated file, and never a small file
that claims a gigapixel (a decompression bomb).
"""

from __future__ import annotations

import io

#: The types kept, each with the Pillow format it must decode as.
FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}
MAX_PIXELS = 40_000_000  # per frame
MAX_FRAMES = 1000


def check(data: bytes, claimed: str) -> str:
    """The type of ``data`` (``image/png``...) when it is a whole picture of the type it claims;
    ValueError saying why not otherwise."""
    from PIL import Image

    mime = claimed.split(";")[0].strip().lower()
    if mime == "image/jpg":
        mime = "image/jpeg"
    wanted = FORMATS.get(mime)
    if wanted is None:
        raise ValueError(f"type {mime or 'unknown'!r} is not kept (only PNG, JPEG, GIF, WebP)")
    try:
        with Image.open(io.BytesIO(data), formats=[wanted]) as img:
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise ValueError(f"{width}x{height} pixels is too large a picture")
            frames = getattr(img, "n_frames", 1)
            if frames > MAX_FRAMES:
                raise ValueError(f"{frames} frames is too many")
            for frame in range(frames):
                img.seek(frame)
                img.load()
    except ValueError:
        raise
    except Exception as e:  # Pillow raises many kinds for bad data; all mean "not a picture"
        raise ValueError(f"not a whole {wanted} picture ({type(e).__name__})") from None
    return mime
