import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services_directory.models import Place
from services_directory.places import (
    Ambiguous,
    InvalidPostcode,
    NotFound,
    is_valid_postcode,
    normalise_name,
    normalise_postcode,
    parse_place_text,
    resolve_place,
    zone_for,
)
from services_directory.tests.conftest import SAMPLE_GAZETTEER


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3121", "3121"),
        (" 3121 ", "3121"),
        ("800", "0800"),
        ("0800", "0800"),
        ("2600", "2600"),
        ("0200", "0200"),
    ],
)
def test_normalise_postcode(text, expected):
    assert normalise_postcode(text) == expected


@pytest.mark.parametrize(
    "text", ["", "12", "0100", "0000", "31211", "abcd", "\uff13\uff11\uff12\uff11", "3 1 2 1 1", "-300"]
)
def test_normalise_postcode_rejects(text):
    with pytest.raises(InvalidPostcode):
        normalise_postcode(text)


@pytest.mark.parametrize(
    ("text", "valid"),
    [("0200", True), ("0299", True), ("0300", False), ("0800", True), ("9999", True), ("123", False)],
)
def test_is_valid_postcode(text, valid):
    assert is_valid_postcode(text) is valid


@pytest.mark.parametrize(
    ("state", "postcode", "zone"),
    [
        ("NSW", "2000", "Australia/Sydney"),
        ("ACT", "2600", "Australia/Sydney"),
        ("NSW", "2880", "Australia/Broken_Hill"),
        ("NSW", "2898", "Australia/Lord_Howe"),
        ("QLD", "4000", "Australia/Brisbane"),
        ("SA", "5000", "Australia/Adelaide"),
        ("WA", "6000", "Australia/Perth"),
        ("TAS", "7000", "Australia/Hobart"),
        ("NT", "0800", "Australia/Darwin"),
        ("VIC", "3000", "Australia/Melbourne"),
    ],
)
def test_zone_for(state, postcode, zone):
    assert zone_for(state=state, postcode=postcode) == zone


def test_normalise_name():
    assert normalise_name("  Saint   Kilda-East ") == "st kilda east"
    assert normalise_name("Mount Éliza") == "mt eliza"
    assert normalise_name("O'Connor") == "o connor"


def test_parse_place_text():
    assert parse_place_text("Richmond, VIC 3121") == ("richmond", "VIC", "3121")
    assert parse_place_text("richmond victoria") == ("richmond", "VIC", None)
    assert parse_place_text("800") == ("", None, "0800")


def test_load_gazetteer_is_idempotent(db):
    call_command("load_gazetteer", file=SAMPLE_GAZETTEER)
    first = Place.objects.count()
    ids = set(Place.objects.values_list("pk", flat=True))
    call_command("load_gazetteer", file=SAMPLE_GAZETTEER)
    assert Place.objects.count() == first > 100
    assert set(Place.objects.values_list("pk", flat=True)) == ids


def test_load_gazetteer_rejects_a_bad_file_whole(db, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "postcode,locality,state,latitude,longitude\n3000,Melbourne,VIC,-37.8,144.9\n3000,X,ZZ,1,1\n"
    )
    with pytest.raises(CommandError):
        call_command("load_gazetteer", file=bad)
    assert Place.objects.count() == 0


def test_resolve_postcode(gazetteer):
    place = resolve_place("3121")
    assert isinstance(place, Place)
    assert (place.postcode, place.state) == ("3121", "VIC")
    assert place.locality.startswith("Richmond, Burnley")


def test_resolve_ambiguous_name_offers_every_state(gazetteer):
    result = resolve_place("Richmond")
    assert isinstance(result, Ambiguous)
    labels = [str(c) for c in result.choices]
    assert "Richmond VIC 3121" in labels
    assert "Richmond NSW 2753" in labels
    assert "Richmond TAS 7025" in labels


def test_resolve_name_with_state(gazetteer):
    assert str(resolve_place("richmond vic")) == "Richmond VIC 3121"
    assert str(resolve_place("Richmond, Tasmania")) == "Richmond TAS 7025"


def test_resolve_prefers_street_postcode(gazetteer):
    assert resolve_place("Sydney").postcode == "2000"


def test_resolve_typo(gazetteer):
    result = resolve_place("Parramtta")
    assert isinstance(result, Place)
    assert result.locality == "Parramatta"


def test_resolve_typo_ambiguous(gazetteer):
    result = resolve_place("Richmnd")
    assert isinstance(result, Ambiguous)


def test_resolve_broken_hill_zone(gazetteer):
    assert resolve_place("Broken Hill").time_zone == "Australia/Broken_Hill"


@pytest.mark.parametrize("text", ["", "   ", "\x00", "zzzzzzzz", "1234", "0100", "😀" * 50, "x" * 10_000])
def test_resolve_not_found(gazetteer, text):
    assert isinstance(resolve_place(text), NotFound)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300))
def test_resolve_never_raises(gazetteer, text):
    assert isinstance(resolve_place(text), Place | Ambiguous | NotFound)


@pytest.mark.usefixtures("postgres")
def test_resolve_typo_uses_trigrams_on_postgres(gazetteer):
    assert resolve_place("Alice Sprngs").locality == "Alice Springs"
