"""Case photos: checked with Pillow and re-encoded to a fresh JPEG, which drops EXIF (GPS, camera serial),
ICC and any payload appended to the file. Stored under MEDIA_ROOT/clearinghouse/ and served only through
views that check the case may be seen (or that its listing is public)."""

from __future__ import annotations

import hashlib
import io
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

from fusioncenter.core import clock

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 1600
ALLOWED = {"JPEG", "PNG", "WEBP", "GIF"}


def _read(upload) -> bytes:
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_BYTES + 1) if hasattr(upload, "read") else bytes(upload)
    if len(data) > MAX_BYTES:
        raise ValidationError({"photo": ["The photo is larger than 8 MB."]}, code="too_large")
    if not data:
        raise ValidationError({"photo": ["The file is empty."]}, code="empty")
    return data


def clean(upload) -> tuple[bytes, int, int]:
    """Validate one image and return (jpeg bytes without metadata, width, height)."""
    data = _read(upload)
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            probe.verify()
        if kind not in ALLOWED:
            raise ValidationError({"photo": ["Use a JPEG, PNG, WebP or GIF image."]}, code="type")
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            img = img.convert("RGB")
            img.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            img.save(out, format="JPEG", quality=85, optimize=True)
            width, height = img.size
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError({"photo": ["The file is not an image that can be read."]}, code="invalid") from exc
    return out.getvalue(), width, height


def write(encoded: bytes) -> tuple[str, str]:
    """Write the cleaned bytes; returns (path under MEDIA_ROOT, sha256)."""
    name = f"clearinghouse/{clock.now():%Y/%m}/{secrets.token_hex(16)}.jpg"
    path = Path(settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encoded)
    return name, hashlib.sha256(encoded).hexdigest()


def read(photo) -> bytes:
    return (Path(settings.MEDIA_ROOT) / photo.file).read_bytes()


def remove(photo) -> None:
    (Path(settings.MEDIA_ROOT) / photo.file).unlink(missing_ok=True)
