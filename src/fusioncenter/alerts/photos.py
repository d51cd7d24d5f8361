"""Alert photos: checked with Pillow, re-encoded (which drops EXIF, GPS and any embedded payload), stored
under MEDIA_ROOT/alerts/, and served only through views that check the alert is public or the user may
see the request."""

from __future__ import annotations

import hashlib
import io
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

from fusioncenter.core import clock

from .models import AlertPhoto

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 1600  # enough for a poster; keeps e-mails and pages light
ALLOWED = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}


def _read(upload) -> bytes:
    if hasattr(upload, "size") and upload.size is not None and upload.size > MAX_BYTES:
        raise ValidationError({"photo": ["The photo is larger than 5 MB."]}, code="too_large")
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_BYTES + 1) if hasattr(upload, "read") else bytes(upload)
    if len(data) > MAX_BYTES:
        raise ValidationError({"photo": ["The photo is larger than 5 MB."]}, code="too_large")
    return data


def store(upload, uploaded_by=None, description: str = "") -> AlertPhoto:
    """Validate and re-encode one uploaded image; returns the AlertPhoto (caller holds the transaction)."""
    data = _read(upload)
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            probe.verify()
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            if kind not in ALLOWED:
                raise ValidationError({"photo": ["Use a JPEG, PNG, WebP or GIF image."]}, code="type")
            img = img.convert("RGB")
            img.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            img.save(out, format="JPEG", quality=85, optimize=True)  # a fresh file: no metadata carried over
            width, height = img.size
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as exc:
        raise ValidationError({"photo": ["The file is not an image that can be read."]}, code="invalid") from exc
    encoded = out.getvalue()
    name = f"alerts/{clock.now():%Y/%m}/{secrets.token_hex(16)}.jpg"
    path = Path(settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encoded)
    return AlertPhoto.objects.create(
        file=name,
        mime_type="image/jpeg",
        size=len(encoded),
        sha256=hashlib.sha256(encoded).hexdigest(),
        width=width,
        height=height,
        description=description[:300],
        uploaded_by=uploaded_by,
    )


def read(photo: AlertPhoto) -> bytes:
    return (Path(settings.MEDIA_ROOT) / photo.file).read_bytes()


def sha1(photo: AlertPhoto) -> str:
    """CAP 1.2 <digest> is the SHA-1 of the resource."""
    return hashlib.sha1(read(photo)).hexdigest()  # noqa: S324 - the CAP standard names SHA-1
