"""Files on products and uploaded bulletins: 10 MB each, checked and cleaned by `core.uploads`
(images re-encoded without metadata, PDFs by magic bytes), named by uuid under MEDIA_ROOT/products/
and only ever served through an access check."""

from __future__ import annotations

from pathlib import Path

from fusioncenter.core import uploads
from fusioncenter.core.uploads import CleanFile  # noqa: F401 - part of this module's interface

MAX_BYTES = 10 * 1024 * 1024
_store = uploads.MediaStore("products")


def clean_upload(name: str, data: bytes, field: str = "file") -> CleanFile:
    return uploads.clean_file(name, data, field=field, max_bytes=MAX_BYTES)


def path_for(uuid: object) -> Path:
    return _store.path_for(uuid)


def write(uuid: object, data: bytes) -> None:
    _store.write(uuid, data)


def read(uuid: object) -> bytes:
    return _store.read(uuid)


def remove(uuid: object) -> None:
    _store.remove(uuid)
