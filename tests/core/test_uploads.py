"""core.uploads: the one place uploaded files are checked, cleaned, stored and erased."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from fusioncenter.core import uploads


def _jpeg_with_gps(size=(40, 20)) -> bytes:
    img = Image.new("RGB", size, "red")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° to show upright
    exif[0x8825] = {1: "N", 2: (43.0, 4.0, 29.0)}  # GPS IFD: latitude
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_a_photo_loses_its_metadata_and_is_turned_upright(settings, tmp_path):
    data, width, height = uploads.clean_photo(io.BytesIO(_jpeg_with_gps()), max_bytes=1_000_000)
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "JPEG" and not img.getexif() and "exif" not in img.info
        assert (width, height) == img.size == (20, 40)


def test_a_file_is_refused_by_content_not_by_name():
    with pytest.raises(ValidationError) as err:
        uploads.clean_file("photo.jpg", b"MZ\x90\x00 not a picture", field="attachments", max_bytes=1000)
    assert err.value.message_dict == {"attachments": ["Only JPEG or PNG images and PDF documents are accepted."]}
    with pytest.raises(ValidationError, match="at most 1000 bytes"):
        uploads.clean_file("a.pdf", b"%PDF-1.7 " + b"x" * 2000, field="f", max_bytes=1000)
    pdf = uploads.clean_file("../../x y.pdf", b"%PDF-1.7 body", field="f", max_bytes=1000)
    assert pdf.filename == "x_y.pdf" and pdf.content_type == "application/pdf"


def test_media_names_stay_inside_the_media_folder_and_erase_removes_the_bytes(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    name = uploads.new_media_name("alerts")
    digest = uploads.write_media(name, b"secret bytes")
    path = uploads.media_path(name)
    assert path.read_bytes() == b"secret bytes" and len(digest) == 64
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(ValueError):
        uploads.media_path("../outside.txt")
    assert uploads.erase_media(name) and not path.exists()
    assert uploads.erase_media(name)  # already gone is not an error
