"""Files attached to a report: at most five, 10 MB each, checked and cleaned by `core.uploads`.

Why the checks matter here most: a phone photo carries EXIF, often with the GPS position of the
reporter's home, and the public sends these files with no account. `core.uploads` re-encodes images
(no metadata survives) and accepts PDFs by their magic bytes; files are named by the attachment's
uuid under MEDIA_ROOT/sar/.
"""

from __future__ import annotations

from pathlib import Path

from fusioncenter.core import uploads
from fusioncenter.core.uploads import CleanFile, safe_name, sniff  # noqa: F401 - part of this module's interface

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 5
_store = uploads.MediaStore("sar")


def clean_upload(name: str, data: bytes, field: str = "attachments") -> CleanFile:
    """Check one file and return what may be stored. Raises ValidationError naming the field."""
    return uploads.clean_file(name, data, field=field, max_bytes=MAX_BYTES, each="Each file")


def storage_dir() -> Path:
    return _store.root()


def path_for(uuid: str) -> Path:
    return _store.path_for(uuid)


def write(uuid: str, data: bytes) -> None:
    _store.write(uuid, data)


def remove(uuid: str) -> None:
    _store.remove(uuid)
