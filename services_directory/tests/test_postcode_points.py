"""Postcode points where people are, and place names as people type them (issue 17, "places").

The pure tests read the whole gazetteer file (services_directory/data/gazetteer/postcodes.csv); the
database tests load it once for this module and remove it afterwards.
"""

from __future__ import annotations

import csv
import io
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services_directory.models import Place
from services_directory.places import (
    Ambiguous,
    NotFound,
    aliases,
    known_towns,
    name_variants,
    postcode_place,
    resolve_place,
)
from services_directory.postcode_points import Locality, km, postcode_point, split_outliers

GAZETTEER = Path(__file__).resolve().parents[1] / "data" / "gazetteer"
FULL = GAZETTEER / "postcodes.csv"


def _postcodes() -> dict[str, list[Locality]]:
    rows = defaultdict(list)
    with FULL.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows[row["postcode"]].append(row)
    out = {}
    for postcode, found in rows.items():
        state = Counter(r["state"] for r in found).most_common(1)[0][0]
        out[postcode] = [
            Locality(r["locality"], float(r["latitude"]), float(r["longitude"]))
            for r in found
            if r["state"] == state
        ]
    return out


POSTCODES = _postcodes()


def _sane(point: tuple[float, float], localities: list[Locality]) -> tuple[bool, float, float]:
    """A point is sane when it lies no further from the median of the postcode's non-outlier
    localities than the furthest of them does (or 30 km, for postcodes of one small suburb)."""
    kept, _ = split_outliers(localities)
    centre = (statistics.median(p.latitude for p in kept), statistics.median(p.longitude for p in kept))
    radius = max(km((p.latitude, p.longitude), centre) for p in kept)
    distance = km(point, centre)
    return distance <= max(30.0, radius), distance, radius


def test_every_postcode_point_lies_among_its_localities():
    assert len(POSTCODES) > 3000
    bad = []
    for postcode, localities in POSTCODES.items():
        point = postcode_point(localities, known_towns=known_towns(postcode))
        ok, distance, radius = _sane((point.latitude, point.longitude), localities)
        if not ok:
            bad.append((postcode, point.anchor, round(distance), round(radius)))
        # The point is one of the postcode's own (non-outlier) localities.
        assert point.anchor in {p.name for p in localities}
        assert point.anchor not in {p.name for p in point.outliers}
    assert bad == []


def test_the_plain_average_fails_the_same_check():
    """The check can fail: the old plain average of 4171 lies in the sea off Cape York's coast."""
    localities = POSTCODES["4171"]
    mean = (
        sum(p.latitude for p in localities) / len(localities),
        sum(p.longitude for p in localities) / len(localities),
    )
    assert not _sane(mean, localities)[0]


# Town centres (approximate, to a few hundred metres) and how close the postcode's point must be.
LANDMARKS = {
    "2880": ("Broken Hill", (-31.953, 141.453), 5),
    "4171": ("Bulimba, Brisbane", (-27.452, 153.058), 5),
    "2170": ("Liverpool", (-33.920, 150.924), 5),
    "4870": ("Cairns", (-16.920, 145.770), 5),
    "0870": ("Alice Springs", (-23.698, 133.880), 5),
    "7250": ("Launceston", (-41.437, 147.137), 5),
    "7256": ("Currie, King Island", (-39.931, 143.851), 2),
    "3000": ("Melbourne", (-37.814, 144.963), 3),
}


@pytest.mark.parametrize("postcode", sorted(LANDMARKS))
def test_postcode_point_near_its_town(postcode):
    name, where, limit = LANDMARKS[postcode]
    point = postcode_point(POSTCODES[postcode], known_towns=known_towns(postcode))
    assert km((point.latitude, point.longitude), where) <= limit, (name, point)


def test_far_localities_are_flagged_not_used():
    point = postcode_point(POSTCODES["4171"])
    assert [p.name for p in point.outliers] == ["Galloways Hill"]
    # Broken Hill's mail route reaches Tibooburra and Cameron Corner, 280-330 km away: flagged as far,
    # so they do not drag the point into the desert, but the point is still Broken Hill's.
    broken_hill = postcode_point(POSTCODES["2880"])
    assert {p.name for p in broken_hill.outliers} <= {"Tibooburra", "Cameron Corner", "Milparinka"}
    assert broken_hill.anchor == "Broken Hill"


def test_build_check_runs_offline_and_flags_the_torres_strait_point():
    result = subprocess.run(
        [sys.executable, str(GAZETTEER / "build_gazetteer.py"), "--check"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert "FAR 4171 Galloways Hill QLD" in result.stderr
    assert "far localities flagged:" in result.stderr


def test_aliases_point_at_real_gazetteer_rows():
    rows = set()
    with FULL.open(newline="", encoding="utf-8") as handle:
        rows = {(r["postcode"], r["locality"], r["state"]) for r in csv.DictReader(handle)}
    for group in aliases().values():
        for alias in group:
            assert (alias.postcode, alias.locality, alias.state) in rows, alias


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("sth yarra", "south yarra"),
        ("yarra sth", "south yarra"),
        ("pt cook", "point cook"),
        ("pt adelaide", "port adelaide"),
        ("nth sydney", "north sydney"),
        ("e perth", "east perth"),
        ("mnt gambier", "mt gambier"),
        ("kangaroo is", "kangaroo island"),
    ],
)
def test_name_variants_spell_out_abbreviations(typed, expected):
    assert expected in name_variants(typed)


def test_name_variants_are_bounded():
    assert len(name_variants(" ".join(["pt"] * 40))) <= 12
    assert name_variants("e") == ["e"]  # a lone letter is not "east"


@pytest.fixture(scope="module")
def full_gazetteer(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_gazetteer", file=FULL, stdout=io.StringIO())
        yield
        Place.objects.all().delete()


RESOLVES = [
    ("2880", "NSW", "Broken Hill", (-31.953, 141.453), 5),
    ("4171", "QLD", None, (-27.452, 153.058), 5),
    ("2170", "NSW", "Liverpool", (-33.920, 150.924), 5),
    ("4870", "QLD", "Cairns", (-16.920, 145.770), 5),
    ("0870", "NT", "Alice Springs", (-23.698, 133.880), 5),
    ("870", "NT", "Alice Springs", (-23.698, 133.880), 5),
    ("7250", "TAS", "Launceston", (-41.437, 147.137), 5),
    ("Sth Yarra", "VIC", "South Yarra", (-37.839, 144.992), 3),
    ("Sth. Yarra VIC", "VIC", "South Yarra", (-37.839, 144.992), 3),
    ("Yarra Sth", "VIC", "South Yarra", (-37.839, 144.992), 3),
    ("King Island", "TAS", "Currie", (-39.931, 143.851), 2),
    ("king is tas", "TAS", "Currie", (-39.931, 143.851), 2),
    ("Kangaroo Island", "SA", "Kingscote", (-35.653, 137.634), 3),
    ("Phillip Island", "VIC", "Cowes", (-38.451, 145.242), 3),
    ("Pt Cook", "VIC", "Point Cook", (-37.918, 144.748), 3),
    ("Pt Adelaide", "SA", "Port Adelaide", (-34.846, 138.503), 3),
    ("Nth Sydney", "NSW", "North Sydney", (-33.840, 151.205), 3),
    ("Mt Gambier", "SA", "Mount Gambier", (-37.826, 140.771), 3),
    ("E Perth", "WA", "East Perth", (-31.954, 115.879), 3),
    ("Thursday Island", "QLD", "Thursday Island", (-10.580, 142.219), 3),
]


@pytest.mark.django_db
@pytest.mark.usefixtures("full_gazetteer")
@pytest.mark.parametrize(("typed", "state", "locality", "where", "limit"), RESOLVES)
def test_resolve_place_as_people_type_it(typed, state, locality, where, limit):
    place = resolve_place(typed)
    assert isinstance(place, Place), place
    assert place.state == state
    if locality:
        assert place.locality.split(",")[0] == locality
    assert km((place.latitude, place.longitude), where) <= limit


@pytest.mark.django_db
@pytest.mark.usefixtures("full_gazetteer")
@pytest.mark.parametrize(
    ("typed", "must_offer"),
    [
        ("Richmond", {"Richmond VIC 3121", "Richmond NSW 2753", "Richmond TAS 7025"}),
        ("St Kilda", {"St Kilda VIC 3182", "St Kilda SA 5110"}),
        ("Pt Lonsdale", set()),  # Point Lonsdale VIC: one place, checked below
        ("Springfield", {"Springfield QLD 4300"}),
    ],
)
def test_resolve_place_ambiguous_inputs(typed, must_offer):
    result = resolve_place(typed)
    if not must_offer:
        assert isinstance(result, Place) and result.locality == "Point Lonsdale"
        return
    assert isinstance(result, Ambiguous)
    labels = {str(c) for c in result.choices}
    assert must_offer <= labels
    assert len(result.choices) <= 10


@pytest.mark.django_db
@pytest.mark.usefixtures("full_gazetteer")
def test_far_localities_are_still_found_by_name():
    assert str(resolve_place("Tibooburra")) == "Tibooburra NSW 2880"
    assert str(resolve_place("Galloways Hill")) == "Galloways Hill QLD 4171"


@pytest.mark.django_db
@pytest.mark.usefixtures("full_gazetteer")
def test_island_and_abbreviation_never_fall_to_a_lookalike():
    assert "Kingsland" not in str(resolve_place("King Island"))
    assert str(resolve_place("Sth Yarra")) != "Yarra NSW 2580"
    assert str(resolve_place("King Island NSW")) != "Currie TAS 7256"  # a state given is respected


@pytest.mark.django_db
@pytest.mark.usefixtures("full_gazetteer")
def test_postcode_place_for_the_api():
    place = postcode_place("4171")
    assert place is not None and place.state == "QLD"
    assert km((place.latitude, place.longitude), (-27.452, 153.058)) <= 5
    assert postcode_place("0100") is None
    assert postcode_place("9998") is None


@pytest.mark.django_db
@pytest.mark.usefixtures("full_gazetteer")
@pytest.mark.parametrize(
    "text",
    [
        "x" * 10_240,
        "Сидней 2000",
        "シドニー",
        "Richmond 😀",
        "😀😀😀",
        "Bondi\u202e",
        "' OR 1=1 --",
        "3121" * 3000,
    ],
)
def test_resolve_place_bad_input(text):
    assert isinstance(resolve_place(text), Place | Ambiguous | NotFound)


@pytest.mark.django_db
@pytest.mark.usefixtures("full_gazetteer")
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    words=st.lists(
        st.sampled_from(
            ["Sth", "Pt", "Mt", "Is", "E", "W", "Nth", "yarra", "king", "island", "😀", "Я", "3121", "."]
        ),
        max_size=30,
    )
)
def test_resolve_place_never_raises_on_abbreviation_soup(words):
    assert isinstance(resolve_place(" ".join(words)), Place | Ambiguous | NotFound)
