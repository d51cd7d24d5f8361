"""Extraction from narratives: phones, e-mails, plates, VINs, street addresses."""

from fusioncenter.sar import extraction

TEXT = ("The man gave his number as (608) 555-0142 and wrote from bad.actor@example.com. He drove a gray van, "
        "Wisconsin plate ABC-1234, VIN 1M8GDM9AXKP042788, and parked at 455 W Johnson Street, Madison, WI 53703.")


def test_finds_each_kind_once_normalized():
    found = {(f.kind, f.normalized) for f in extraction.extract(TEXT)}
    assert ("phone", "+16085550142") in found
    assert ("email", "bad.actor@example.com") in found
    assert ("plate", "ABC1234") in found
    assert ("vin", "1M8GDM9AXKP042788") in found
    assert any(k == "address" and n.startswith("455 W JOHNSON STREET") for k, n in found)


def test_plate_state_is_read_from_the_words_around_it():
    assert extraction.plate_state("Wisconsin plate ABC-1234") == "WI"
    assert extraction.plate_state("IL tag 778XYZ") == "IL"
    assert extraction.plate_state("plate 778XYZ") == ""


def test_vin_check_digit_rejects_typos():
    assert extraction.valid_vin("1M8GDM9AXKP042788")
    assert not extraction.valid_vin("1M8GDM9A1KP042788")
    assert extraction.extract("VIN 1M8GDM9A1KP042788") == []


def test_plain_numbers_and_words_are_not_plates_or_phones():
    found = extraction.extract("He carried 12 boxes and waited 45 minutes near gate 3 at the plant.")
    assert found == []


def test_empty_and_huge_text_is_safe():
    assert extraction.extract("") == []
    assert isinstance(extraction.extract("a" * 100000), list)
