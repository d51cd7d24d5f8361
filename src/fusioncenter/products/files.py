"""Files on products and uploaded bulletins: checked by content, images re-encoded, kept outside the web root.

Images are decoded by Pillow and written afresh, which drops EXIF (GPS position, camera serial),
text chunks and ICC profiles, and defeats files built to be both an image and something else.
PDFs are checked by their magic bytes and only ever served as downloads through an access check.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}


@dataclass
class CleanFile:
    filename: str
    content_type: str
    data: bytes
    sha256: str


def _err(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def sniff(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def _reencode(data: bytes, content_type: str, field: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS:
                raise _err(field, "The image has too many pixels.", "too_large")
            img.load()
            fmt = "JPEG" if content_type == "image/jpeg" else "PNG"
            mode = "RGB" if fmt == "JPEG" or img.mode not in ("RGBA", "LA", "P") else "RGBA"
            pixels = ImageOps.exif_transpose(img).convert(mode)
            clean = Image.new(mode, pixels.size)
            clean.paste(pixels)
            out = io.BytesIO()
            clean.save(out, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
            return out.getvalue()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise _err(field, "The image could not be read.", "unreadable") from exc


def clean_upload(name: str, data: bytes, field: str = "file") -> CleanFile:
    if not data:
        raise _err(field, "The file is empty.", "empty")
    if len(data) > MAX_BYTES:
        raise _err(field, "A file may be at most 10 MB.", "too_large")
    content_type = sniff(data[:16])
    if content_type is None:
        raise _err(field, "Only JPEG or PNG images and PDF documents are accepted.", "file_type")
    if content_type.startswith("image/"):
        data = _reencode(data, content_type, field)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name or "file").stem).strip("._")[:80] or "file"
    return CleanFile(stem + TYPES[content_type], content_type, data, hashlib.sha256(data).hexdigest())


def path_for(uuid: object) -> Path:
    return Path(settings.MEDIA_ROOT) / "products" / str(uuid)


def write(uuid: object, data: bytes) -> None:
    target = path_for(uuid)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    target.write_bytes(data)
    target.chmod(0o600)


def read(uuid: object) -> bytes:
    return path_for(uuid).read_bytes()


def remove(uuid: object) -> None:
    path_for(uuid).unlink(missing_ok=True)
