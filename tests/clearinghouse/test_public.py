"""Public pages, photos, posters (English and Spanish), the Atom feed and the anonymous PFIF document:
only released cases, only public fields, taken down when the case is resolved."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from fusioncenter.clearinghouse import photos, poster, services
from fusioncenter.clearinghouse.models import PublicListing
from fusioncenter.core import clock

from .conftest import assert_no_markers, png_bytes

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_unreleased_case_is_not_public(client, make_case):
    case = make_case()
    assert b"Tess" not in client.get("/missing/").content
    assert client.get(f"/missing/{case.pk}/").status_code == 404
    assert client.get(f"/missing/{case.pk}/poster-en.pdf").status_code == 404
    assert client.get(f"/missing/{case.pk}/sighting").status_code == 404
    assert b"Tess" not in client.get("/missing/feed.atom").content
    assert b"Tess" not in client.get("/api/v1/missing-persons/pfif").content


def test_every_public_output_has_public_fields_only(client, released_case):
    pk = released_case.pk
    outputs = {
        "list": client.get("/missing/"),
        "detail": client.get(f"/missing/{pk}/"),
        "sighting form": client.get(f"/missing/{pk}/sighting"),
        "feed": client.get("/missing/feed.atom"),
        "pfif": client.get("/api/v1/missing-persons/pfif"),
    }
    for name, response in outputs.items():
        assert response.status_code == 200, name
        assert b"Tess" in response.content, name
        assert_no_markers(response.content, name)
    assert b"ABC123" in outputs["detail"].content  # the vehicle is public
    assert b"Photo taken" in outputs["detail"].content
    for lang, words in (("en", "MISSING CHILD"), ("es", "MENOR DESAPARECIDO")):
        response = client.get(f"/missing/{pk}/poster-{lang}.pdf")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        text = pdf_text(response.content)
        assert words in text and "Tess" in text
        assert_no_markers(text, f"poster {lang}")
        assert_no_markers(poster.poster_html(released_case.listing, lang), f"poster html {lang}")
    es = pdf_text(client.get(f"/missing/{pk}/poster-es.pdf").content)
    assert "Visto por última vez" in es and "Si tiene información, llame al" in es and "Estatura" in es
    photo = client.get(f"/missing/{pk}/photo.jpg")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert b"MARKER-EXIF-DESC" not in photo.content
    assert not Image.open(io.BytesIO(photo.content)).getexif()


def test_resolving_takes_the_case_down_everywhere(client, released_case, officer):
    pk = released_case.pk
    services.change_status(officer, released_case, "located_safe", note="Found safe.")
    assert b"Tess" not in client.get("/missing/").content
    gone = client.get(f"/missing/{pk}/")
    assert gone.status_code == 410 and b"Tess" not in gone.content
    assert client.get(f"/missing/{pk}/poster-en.pdf").status_code == 404
    assert client.get(f"/missing/{pk}/photo.jpg").status_code == 404
    assert client.get(f"/missing/{pk}/sighting").status_code == 404
    assert b"Tess" not in client.get("/missing/feed.atom").content
    assert b"Tess" not in client.get("/api/v1/missing-persons/pfif").content
    listing = PublicListing.objects.get(case_id=pk)
    assert listing.content == {} and listing.photo_id is None and listing.withdrawn_at is not None
    released_case.refresh_from_db()
    assert not released_case.released_to_public


def test_edits_refresh_the_listing_and_withdraw_works(client, released_case, officer):
    services.update_case(officer, released_case, {"clothing": "blue winter coat"})
    assert b"blue winter coat" in client.get(f"/missing/{released_case.pk}/").content
    services.withdraw(officer, released_case)
    assert client.get(f"/missing/{released_case.pk}/").status_code == 410
    services.release(officer, released_case)
    assert client.get(f"/missing/{released_case.pk}/").status_code == 200


def test_resolved_case_cannot_be_released(make_case, officer):
    case = services.change_status(officer, make_case(), "closed", note="")
    with pytest.raises(ValidationError):
        services.release(officer, case)


def test_photo_needs_its_date_and_a_real_image(make_case, officer):
    case = make_case()
    with pytest.raises(ValidationError) as err:
        services.add_photo(officer, case, SimpleUploadedFile("p.png", png_bytes()), taken_on=None)
    assert "taken_on" in err.value.message_dict
    with pytest.raises(ValidationError):
        services.add_photo(
            officer, case, SimpleUploadedFile("p.png", png_bytes()), taken_on=clock.today() + dt.timedelta(days=2)
        )
    with pytest.raises(ValidationError) as err:
        services.add_photo(officer, case, SimpleUploadedFile("x.jpg", b"not an image at all"), taken_on=clock.today())
    assert "photo" in err.value.message_dict
    assert case.photos.count() == 0
    photo = services.add_photo(officer, case, SimpleUploadedFile("p.jpg", png_bytes(exif=True)), taken_on=clock.today())
    data = photos.read(photo)
    assert b"MARKER-EXIF-DESC" not in data and not Image.open(io.BytesIO(data)).getexif()


def test_unreleasable_photo_stays_private(client, make_case, officer):
    case = make_case()
    services.add_photo(
        officer, case, SimpleUploadedFile("p.png", png_bytes()), taken_on=clock.today(), releasable=False
    )
    services.release(officer, case)
    assert client.get(f"/missing/{case.pk}/photo.jpg").status_code == 404


def test_feed_is_atom(client, released_case):
    from lxml import etree

    root = etree.fromstring(client.get("/missing/feed.atom").content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert len(entries) == 1
    assert entries[0].find("a:title", ns).text == "Missing: Tess Fictional"
    assert root.find("a:id", ns) is not None and root.find("a:updated", ns) is not None
