"""Files people upload (report attachments, product files, alert and case photos), checked once, here.

Why one module: every app that takes a file from a person must refuse the same things (a file too
large, of another type than it claims, a decompression bomb) and strip the same things (EXIF with
the GPS position of the reporter's home, camera serials, text chunks, ICC profiles, payloads
appended to an image). Images are decoded by Pillow and written afresh, which drops all metadata and
defeats files built to be both an image and something else. PDFs are recognised by their magic
bytes and stored as sent: they are only ever served as downloads through an access-checked view
with `nosniff`. Files live under MEDIA_ROOT, outside the web root, readable by the service only.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, ImageOps, UnidentifiedImageError

from . import clock

log = logging.getLogger(__name__)

MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


@dataclass
class CleanFile:
    filename: str
    content_type: str
    data: bytes
    sha256: str


def error(field: str, message: str, code: str) -> ValidationError:
    """A ValidationError naming the form or API field, so the message lands next to it."""
    return ValidationError({field: [ValidationError(message, code=code)]})


def _megabytes(n: int) -> str:
    """A limit as people read it: 10 MB, 500 KB."""
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):g} MB"
    return f"{n // 1024} KB" if n >= 1024 else f"{n} bytes"


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
    """A file name safe in a download header and on disk, with the extension of its real type."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name or "file").stem).strip("._")[:80] or "file"
    return stem + TYPES[content_type]


def _reencode(data: bytes, content_type: str, field: str) -> bytes:
    """The image's pixels in a fresh file of the same type (PNG keeps transparency)."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS:
                raise error(field, "The image has too many pixels.", "too_large")
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
        raise error(field, "The image could not be read.", "unreadable") from exc


def clean_file(name: str, data: bytes, *, field: str, max_bytes: int, each: str = "A file") -> CleanFile:
    """Check one JPEG, PNG or PDF and return what may be stored; raises ValidationError naming `field`."""
    if not data:
        raise error(field, "The file is empty.", "empty")
    if len(data) > max_bytes:
        raise error(field, f"{each} may be at most {_megabytes(max_bytes)}.", "too_large")
    content_type = sniff(data[:16])
    if content_type is None:
        raise error(field, "Only JPEG or PNG images and PDF documents are accepted.", "file_type")
    if content_type.startswith("image/"):
        data = _reencode(data, content_type, field)
    return CleanFile(safe_name(name, content_type), content_type, data, hashlib.sha256(data).hexdigest())


def read_upload(upload, *, field: str, max_bytes: int, what: str = "The file") -> bytes:
    """The bytes of an uploaded file (or bytes), reading no more than the limit allows."""
    if getattr(upload, "size", None) is not None and upload.size > max_bytes:
        raise error(field, f"{what} is larger than {_megabytes(max_bytes)}.", "too_large")
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(max_bytes + 1) if hasattr(upload, "read") else bytes(upload)
    if len(data) > max_bytes:
        raise error(field, f"{what} is larger than {_megabytes(max_bytes)}.", "too_large")
    if not data:
        raise error(field, f"{what} is empty.", "empty")
    return data


def clean_photo(upload, *, field: str = "photo", max_bytes: int, max_side: int = 1600) -> tuple[bytes, int, int]:
    """A photo for a public alert or poster: (JPEG bytes without metadata, width, height).

    Any common image type is accepted (families send what their phone made) and turned into one
    JPEG no larger than `max_side`, which keeps pages, posters and e-mails light.
    """
    data = read_upload(upload, field=field, max_bytes=max_bytes, what="The photo")
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            probe.verify()
        if kind not in PHOTO_FORMATS:
            raise error(field, "Use a JPEG, PNG, WebP or GIF image.", "type")
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            pixels = ImageOps.exif_transpose(img).convert("RGB")
            pixels.thumbnail((max_side, max_side))
            clean = Image.new("RGB", pixels.size)  # a fresh image: nothing of the original file's metadata
            clean.paste(pixels)
            out = io.BytesIO()
            clean.save(out, format="JPEG", quality=85, optimize=True)
            width, height = clean.size
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        raise error(field, "The file is not an image that can be read.", "invalid") from exc
    return out.getvalue(), width, height


def media_path(name: object) -> Path:
    """Where a file named relative to MEDIA_ROOT (as a FileField stores it) lives; never outside it."""
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / str(name)).resolve()
    if root not in path.parents:
        raise ValueError("A stored file name points outside the media folder.")
    return path


def new_media_name(folder: str, suffix: str = ".jpg") -> str:
    """A fresh, unguessable name under `folder`, by month: the value a FileField stores."""
    return f"{folder}/{clock.now():%Y/%m}/{secrets.token_hex(16)}{suffix}"


def write_media(name: object, data: bytes) -> str:
    """Write a file private to the service (0600 in 0700 folders); returns its SHA-256."""
    target = media_path(name)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    target.write_bytes(data)
    target.chmod(0o600)
    return hashlib.sha256(data).hexdigest()


def read_media(name: object) -> bytes:
    return media_path(name).read_bytes()


def remove_media(name: object) -> None:
    media_path(name).unlink(missing_ok=True)


def erase(path: str | os.PathLike) -> bool:
    """Overwrite a file with zeros, flush it to disk, then delete it: a purged photo's bytes should not
    linger in the free blocks of a simple file system. Called after a purge has committed, so a failure
    is logged for the operator (without the name, which may be personal) rather than raised. Returns
    whether the file is gone."""
    try:
        size = os.path.getsize(path)
        with open(path, "r+b") as fh:
            fh.write(b"\0" * size)
            fh.flush()
            os.fsync(fh.fileno())
        os.unlink(path)
    except FileNotFoundError:
        return True
    except OSError:
        log.exception("could not erase a purged file (name withheld)")
        return False
    return True


def erase_media(name: object) -> bool:
    """`erase` for a file named relative to MEDIA_ROOT."""
    return erase(media_path(name))


class MediaStore:
    """One app's folder under MEDIA_ROOT, for files named by an id (a report attachment's uuid)."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def root(self) -> Path:
        return Path(settings.MEDIA_ROOT) / self.folder

    def path_for(self, name: object) -> Path:
        return media_path(f"{self.folder}/{name}")

    def write(self, name: object, data: bytes) -> str:
        return write_media(f"{self.folder}/{name}", data)

    def read(self, name: object) -> bytes:
        return read_media(f"{self.folder}/{name}")

    def remove(self, name: object) -> None:
        remove_media(f"{self.folder}/{name}")
