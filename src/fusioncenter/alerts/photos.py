"""Alert photos: checked with Pillow, re-encoded (which drops EXIF, GPS and any embedded payload), stored
under MEDIA_ROOT/alerts/, and served only through views that check the alert is public or the user may
see the request."""

from __future__ import annotations

import hashlib

from fusioncenter.core import uploads

from .models import AlertPhoto

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1600  # enough for a poster; keeps e-mails and pages light


def store(upload, uploaded_by=None, description: str = "") -> AlertPhoto:
    """Validate and re-encode one uploaded image (`core.uploads`); returns the AlertPhoto (caller holds
    the transaction)."""
    encoded, width, height = uploads.clean_photo(upload, max_bytes=MAX_BYTES, max_side=MAX_SIDE)
    name = uploads.new_media_name("alerts")
    digest = uploads.write_media(name, encoded)
    return AlertPhoto.objects.create(
        file=name,
        mime_type="image/jpeg",
        size=len(encoded),
        sha256=digest,
        width=width,
        height=height,
        description=description[:300],
        uploaded_by=uploaded_by,
    )


def read(photo: AlertPhoto) -> bytes:
    return uploads.read_media(photo.file)


def sha1(photo: AlertPhoto) -> str:
    """CAP 1.2 <digest> is the SHA-1 of the resource."""
    return hashlib.sha1(read(photo)).hexdigest()  # noqa: S324 - the CAP standard names SHA-1
