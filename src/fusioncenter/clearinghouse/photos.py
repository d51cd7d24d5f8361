"""Case photos: checked and re-encoded to a fresh JPEG by `core.uploads` (no EXIF, GPS, camera serial,
ICC or appended payload survives), 8 MB at most, stored under MEDIA_ROOT/clearinghouse/ and served only
through views that check the case may be seen (or that its listing is public)."""

from __future__ import annotations

from fusioncenter.core import uploads

MAX_BYTES = 8 * 1024 * 1024
MAX_SIDE = 1600


def clean(upload) -> tuple[bytes, int, int]:
    """Validate one image and return (jpeg bytes without metadata, width, height)."""
    return uploads.clean_photo(upload, max_bytes=MAX_BYTES, max_side=MAX_SIDE)


def write(encoded: bytes) -> tuple[str, str]:
    """Write the cleaned bytes; returns (path under MEDIA_ROOT, sha256)."""
    name = uploads.new_media_name("clearinghouse")
    return name, uploads.write_media(name, encoded)


def read(photo) -> bytes:
    return uploads.read_media(photo.file)


def remove(photo) -> None:
    uploads.remove_media(photo.file)
