"""Files attached to a report: type checked by content, images re-encoded, stored outside the web root.

Why re-encode: a phone photo carries EXIF, often with the GPS position of the reporter's home. Pillow
decodes the pixels and writes a fresh file with no metadata, which also defeats files crafted to be
both an image and something else. PDFs are checked by their magic bytes and stored as sent (they
are only ever served as downloads, through an access-checked view, with `nosniff`).
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
MAX_FILES = 5
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding

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
    """The content type by magic bytes, or None when it is not one we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def safe_name(name: str, content_type: str) -> str:
    stem = Path(name or "file").stem
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")[:80] or "file"
    return stem + TYPES[content_type]


def _reencode(data: bytes, content_type: str, field: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS:
                raise _err(field, "The image is too large (too many pixels).", "too_large")
            img.load()
            fmt = "JPEG" if content_type == "image/jpeg" else "PNG"
            mode = "RGB" if fmt == "JPEG" or img.mode not in ("RGBA", "LA", "P") else "RGBA"
            # Turn the pixels upright first: the orientation tag is about to be dropped with the rest.
            pixels = ImageOps.exif_transpose(img).convert(mode)
            clean = Image.new(mode, pixels.size)  # a fresh image: no EXIF, GPS, text chunks or ICC
            clean.paste(pixels)
            out = io.BytesIO()
            clean.save(out, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
            return out.getvalue()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise _err(field, "The image could not be read.", "unreadable") from exc


def clean_upload(name: str, data: bytes, field: str = "attachments") -> CleanFile:
    """Check one file and return what may be stored. Raises ValidationError naming the field."""
    if len(data) == 0:
        raise _err(field, "The file is empty.", "empty")
    if len(data) > MAX_BYTES:
        raise _err(field, "Each file may be at most 10 MB.", "too_large")
    content_type = sniff(data[:16])
    if content_type is None:
        raise _err(field, "Only JPEG or PNG photos and PDF documents are accepted.", "file_type")
    if content_type.startswith("image/"):
        data = _reencode(data, content_type, field)
    return CleanFile(safe_name(name, content_type), content_type, data, hashlib.sha256(data).hexdigest())


def storage_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "sar"


def path_for(uuid: str) -> Path:
    return storage_dir() / str(uuid)


def write(uuid: str, data: bytes) -> None:
    directory = storage_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = path_for(uuid)
    target.write_bytes(data)
    target.chmod(0o600)


def remove(uuid: str) -> None:
    path_for(uuid).unlink(missing_ok=True)
