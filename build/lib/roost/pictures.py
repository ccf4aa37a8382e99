"""What counts as a picture Roost keeps: the one check every mirrored avatar and attached image
passes before it is stored in the records (``Store.add_media``), and so before it is published,
and the re-encoding that makes what is published nothing but the picture.

A file is kept only when it is PNG, JPEG, GIF or WebP, says so, and Pillow decodes it, every
frame, as that type, within a budget of pixels. So never SVG (it can carry script), never HTML
behind a PNG signature, never a "WebP" that is only a ``RIFF`` header, never a truncated file,
and never a small file that claims a gigapixel or a thousand frames of a huge canvas (a
decompression bomb). :func:`normalize` then writes the picture again: whatever a stranger
appended after its end (a page, a program), and its metadata (a photo's GPS position), are not
published from the author's domain.
"""

from __future__ import annotations

import io

#: The types kept, each with the Pillow format it must decode as.
FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}
MAX_PIXELS = 40_000_000  # in one frame
MAX_TOTAL_PIXELS = 60_000_000  # in all frames together: decoding time grows with it
MAX_FRAMES = 1000


def check(data: bytes, claimed: str) -> str:
    """The type of ``data`` (``image/png``...) when it is a whole picture of the type it claims;
    ValueError saying why not otherwise."""
    mime, _ = _decoded(data, claimed, lambda img: None)
    return mime


def normalize(data: bytes, claimed: str) -> tuple[bytes, str]:
    """The picture written again by Pillow, in its own type, without anything after its end
    and without metadata (a JPEG turned upright first, as its EXIF said); ValueError when it is
    not a whole picture of the type it claims."""
    return _decoded(data, claimed, _encode)


def _decoded(data: bytes, claimed: str, then):
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
            frames = getattr(img, "n_frames", 1)
            if width * height > MAX_PIXELS:
                raise ValueError(f"{width}x{height} pixels is too large a picture")
            if frames > MAX_FRAMES or width * height * frames > MAX_TOTAL_PIXELS:
                raise ValueError(f"{frames} frames of {width}x{height} is too much to decode")
            for frame in range(frames):
                img.seek(frame)
                img.load()
            img.seek(0)
            out = then(img)
    except ValueError:
        raise
    except Exception as e:  # Pillow raises many kinds for bad data; all mean "not a picture"
        raise ValueError(f"not a whole {wanted} picture ({type(e).__name__})") from None
    return (mime, out) if out is None else (out, mime)


def _encode(img) -> bytes:
    from PIL import ImageOps

    buf = io.BytesIO()
    fmt = img.format
    frames = getattr(img, "n_frames", 1)
    if fmt in ("GIF", "WEBP") and frames > 1:  # an animation stays one, frame by frame
        extra = {"loop": img.info.get("loop", 0), "duration": img.info.get("duration", 100)}
        if fmt == "WEBP":
            extra["quality"] = 90
        img.save(buf, fmt, save_all=True, **extra)
    elif fmt == "JPEG":
        upright = ImageOps.exif_transpose(img)
        if upright.mode not in ("RGB", "L", "CMYK"):
            upright = upright.convert("RGB")
        upright.save(buf, "JPEG", quality=90)
    elif fmt == "WEBP":
        img.save(buf, "WEBP", quality=90)
    else:
        img.save(buf, fmt)
    return buf.getvalue()
