import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusioncenter.entities import normalize as nz
from fusioncenter.entities import strings


@pytest.mark.parametrize("raw", ["ABC-1234", "abc 1234", "ABC1234", " abc-12 34 ", "WI ABC-1234"])
def test_plate_written_any_way_is_one_key(raw):
    assert nz.plate(raw)[0] == "ABC1234"


def test_plate_keeps_state_apart_and_refuses_junk():
    assert nz.plate("WI ABC-1234") == ("ABC1234", "WI")
    assert nz.plate("abc1234", "mn") == ("ABC1234", "MN")
    assert nz.plate("-") is None
    assert nz.plate("") is None


@pytest.mark.parametrize("raw", ["(608) 555-0134", "608.555.0134", "6085550134", "+1 608 555 0134",
                                 "1-608-555-0134"])
def test_phone_to_e164(raw):
    assert nz.phone(raw) == "+16085550134"


def test_phone_rejects_local_and_junk_and_keeps_foreign():
    assert nz.phone("555-0134") is None
    assert nz.phone("not a phone") is None
    assert nz.phone("+44 20 7946 0958") == "+442079460958"


def test_email():
    assert nz.email(" Mailto:John.Smith@Example.COM ") == "john.smith@example.com"
    assert nz.email("john at example") is None


def test_vin_and_check_digit():
    good = "1M8GDM9AXKP042788"  # the textbook example with a valid check digit
    assert nz.vin("1m8-gdm9a xkp042788") == good
    assert nz.vin_check_digit_ok(good)
    assert not nz.vin_check_digit_ok("1M8GDM9A1KP042788")
    assert nz.vin("1M8GDM9AXKP04278") is None  # 16 characters
    assert nz.vin("IM8GDM9AXKP042788") is None  # I is never used


def test_names_nicknames_and_soundex():
    assert nz.split_name("Smith, John Q. Jr.") == ("john", "q", "smith")
    assert nz.split_name("Mary Ann O'Brien") == ("mary", "ann", "obrien")
    assert nz.nickname_equivalent("Bill", "William")
    assert nz.nickname_equivalent("Liz", "Beth")  # both Elizabeth
    assert not nz.nickname_equivalent("Bill", "Robert")
    assert nz.soundex("Robert") == nz.soundex("Rupert") == "R163"
    assert nz.soundex("Tymczak") == "T522"
    assert nz.fold("José  Núñez") == "jose nunez"
    assert len(nz.nickname_table()) >= 100


@pytest.mark.parametrize("raw", ["1980-05-03", "05/03/1980", "5/3/1980", "19800503", "3 May 1980"])
def test_date_of_birth_formats(raw):
    assert nz.date_of_birth(raw) == dt.date(1980, 5, 3)


def test_date_of_birth_refuses_future_and_nonsense():
    assert nz.date_of_birth("2999-01-01") is None
    assert nz.date_of_birth("13/45/1980") is None
    assert nz.date_of_birth("02/30/1980") is None
    assert nz.date_of_birth("05/03/80", today=dt.date(2026, 1, 1)) == dt.date(1980, 5, 3)


def test_address_normalized_both_ways():
    a = nz.address("123 North Main Street, Madison, WI 53703")
    b = nz.address("123 N MAIN ST, MADISON WI 53703")
    assert a["key"] == b["key"] == "123 n main st|53703"
    c = nz.address("Apt 4, 9572 Ridge Avenue Madison WI")  # the tagger's path
    assert c["line"].startswith("9572 ridge ave")
    assert nz.address("") is None


@given(st.text(alphabet="abcdefghij", max_size=12), st.text(alphabet="abcdefghij", max_size=12))
def test_string_similarity_matches_reference_implementation(a, b):
    assert strings.py_levenshtein(a, b) == strings.levenshtein(a, b)
    assert 0.0 <= strings.py_jaro_winkler(a, b) <= 1.0


def test_jaro_winkler_on_names():
    # textbook values (Winkler 1990 examples)
    assert round(strings.py_jaro_winkler("martha", "marhta"), 3) == 0.961
    assert round(strings.py_jaro_winkler("dwayne", "duane"), 3) == 0.84
    assert round(strings.py_jaro_winkler("dixon", "dicksonx"), 3) == 0.813
    for a, b in [("kowalski", "kowalsky"), ("jennifer", "jenifer"), ("schmidt", "schmitt")]:
        assert abs(strings.py_jaro_winkler(a, b) - strings.jaro_winkler(a, b)) < 1e-9
