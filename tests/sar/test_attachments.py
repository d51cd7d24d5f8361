"""Attachments: type by content, size and count limits, metadata stripped from images."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from fusioncenter.sar import attachments

from .conftest import jpeg_with_gps, png_with_gps


def _exif(data: bytes):
    with Image.open(io.BytesIO(data)) as img:
        return img.getexif(), img.info


@pytest.mark.parametrize("make", [png_with_gps, jpeg_with_gps])
def test_images_are_reencoded_without_exif_or_gps(make):
    raw = make()
    before, _ = _exif(raw)
    assert 0x8825 in before  # the fixture really carries GPS
    clean = attachments.clean_upload("photo.jpg", raw)
    after, info = _exif(clean.data)
    assert 0x8825 not in after and 0x010F not in after and "exif" not in info
    assert clean.filename.endswith(".png" if make is png_with_gps else ".jpg")


def test_type_comes_from_the_bytes_not_the_name():
    with pytest.raises(ValidationError) as exc:
        attachments.clean_upload("evil.png", b"<script>alert(1)</script>")
    assert exc.value.error_dict["attachments"][0].code == "file_type"
    pdf = attachments.clean_upload("scan.exe", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF")
    assert pdf.content_type == "application/pdf" and pdf.filename == "scan.pdf"


def test_size_limit_and_empty_file():
    with pytest.raises(ValidationError) as exc:
        attachments.clean_upload("big.pdf", b"%PDF-" + b"0" * attachments.MAX_BYTES)
    assert exc.value.error_dict["attachments"][0].code == "too_large"
    with pytest.raises(ValidationError):
        attachments.clean_upload("empty.png", b"")


def test_truncated_image_is_refused():
    with pytest.raises(ValidationError) as exc:
        attachments.clean_upload("broken.png", png_with_gps()[:40])
    assert exc.value.error_dict["attachments"][0].code == "unreadable"


def test_names_are_made_safe():
    assert attachments.safe_name("../../etc/passwd photo!.png", "image/png") == "passwd_photo.png"
