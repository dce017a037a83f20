"""The programs loader (services_directory/programs.py, services.programs_load, load_programs).

Each rule is proved with a file that breaks it: the whole load is refused, every problem is listed,
and the database is left as it was. Hypothesis sends malformed records; the checker must answer
with ProgramFileError, never crash. The real data files pass with the full gazetteer.
"""

from __future__ import annotations

import copy
import datetime
import io

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services_directory.models import Location, Organization, Phone, Service, ServiceAtLocation
from services_directory.programs import ProgramFileError, check_programs, program_files

TODAY = datetime.date(2026, 12, 7)


def record(**changes) -> dict:
    base = {
        "id": "example-mbcp-wagga",
        "name": "Men's Behaviour Change Program",
        "kind": "mbcp",
        "summary": "A group program for men who want to stop using violence at home.",
        "voluntary": True,
        "court_ordered": True,
        "court_orders": ["condition of bail or a bond"],
        "self_referral": True,
        "delivery": ["group"],
        "length": "20 weeks",
        "cost": "free",
        "languages": ["Arabic"],
        "partner_contact": True,
        "audience": ["men-using-violence"],
        "intake_phone": "1800 123 456",
        "intake_phone_source": "https://example.org/mbcp",
        "url": "https://example.org/mbcp",
        "locations": [{"town": "Wagga Wagga", "state": "NSW", "postcode": None, "address": None}],
        "online_area": None,
        "status": "running",
        "sources": [
            {
                "url": "https://example.org/mbcp",
                "publisher": "Example Org",
                "page_date": "2025-07",
                "read_on": datetime.date(2026, 12, 7),
                "supports": "runs a 20-week MBCP in Wagga Wagga",
            }
        ],
        "notes_for_staff": None,
    }
    base.update(changes)
    return base


def programs_file(*records, org_id="example-org", phone="(02) 6921 0000", **org) -> dict:
    return {
        "version": 1,
        "region": "test",
        "organisations": [
            {
                "id": org_id,
                "name": "Example Org",
                "website": "https://example.org/",
                "phone": phone,
                "phone_source": "https://example.org/contact" if phone else None,
                "services": list(records) or [record()],
                **org,
            }
        ],
    }


def write(tmp_path, data, name="programs.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def load(*paths):
    call_command("load_programs", file=list(paths), stdout=io.StringIO())


def snapshot():
    return {
        model.__name__: sorted(
            (
                str(row.hsds_id) if hasattr(row, "hsds_id") else row.pk,
                row.updated_at if hasattr(row, "updated_at") else None,
            )
            for row in model.objects.all()
        )
        for model in (Organization, Service, Phone, Location, ServiceAtLocation)
    }


@pytest.fixture
def ready(gazetteer, taxonomy):
    call_command("load_national_services", stdout=io.StringIO())


def test_a_program_loads_with_its_facts_place_and_sources(ready, tmp_path):
    ended = record(id="example-old-program", status="ended", locations=[], online_area=["NSW"])
    load(write(tmp_path, programs_file(record(), ended)))
    service = Service.objects.get(slug="example-mbcp-wagga")
    assert service.is_active and service.program_kind == "mbcp"
    assert (service.voluntary, service.court_ordered, service.self_referral) == (True, True, True)
    assert service.court_orders == ["condition of bail or a bond"]
    assert service.program_length == "20 weeks" and service.partner_contact is True
    assert service.verification == "unverified" and service.interpreter is None
    assert service.sources[0]["page_date"] == "2025-07" and service.sources[0]["read_on"] == "2026-12-07"
    assert service.phones.get().number == "1800 123 456"
    assert [lang.code for lang in service.languages.all()] == ["ar"]
    assert set(service.terms.values_list("code", flat=True)) >= {
        "mbcp",
        "group",
        "in-person",
        "self-referral",
    }
    location = service.service_at_locations.get().location
    assert (location.city, location.state_province, location.postal_code) == ("Wagga Wagga", "NSW", "2650")
    assert location.latitude == pytest.approx(-35.1, abs=0.3)
    assert Organization.objects.get(slug="example-org").phones.get().number == "(02) 6921 0000"
    # A program a source says has ended is kept, but not listed as running.
    assert not Service.objects.get(slug="example-old-program").is_active


def test_loading_twice_changes_nothing(ready, tmp_path):
    path = write(tmp_path, programs_file())
    load(path)
    before = snapshot()
    load(path)
    assert snapshot() == before


def test_a_place_dropped_from_a_program_no_longer_offers_it(ready, tmp_path):
    two = [
        {"town": "Wagga Wagga", "state": "NSW"},
        {"town": "Parramatta", "state": "NSW", "postcode": "2150"},
    ]
    load(write(tmp_path, programs_file(record(locations=two))))
    assert ServiceAtLocation.objects.filter(service__slug="example-mbcp-wagga").count() == 2
    load(write(tmp_path, programs_file(record())))
    sal = ServiceAtLocation.objects.get(service__slug="example-mbcp-wagga")
    assert sal.location.city == "Wagga Wagga"


def test_a_program_dropped_from_the_file_is_unlisted_not_deleted(ready, tmp_path):
    load(write(tmp_path, programs_file(record(), record(id="example-second"))))
    load(write(tmp_path, programs_file(record())))
    assert not Service.objects.get(slug="example-second").is_active
    assert Service.objects.get(slug="mens-referral-service").is_active  # national lines untouched


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"intake_phone": "6370 1801"}, "not a valid Australian phone number"),
        ({"intake_phone": "+1 212 555 0100"}, "not a valid Australian phone number"),
        ({"intake_phone_source": None}, "needs the web address of the page that gives it"),
        ({"url": "www.example.org/no-scheme"}, "not a well-formed web address"),
        ({"url": "javascript:alert(1)"}, "not a well-formed web address"),
        ({"locations": [{"town": "Atlantis", "state": "NSW"}]}, "Atlantis NSW is not in the gazetteer"),
        (
            {"locations": [{"town": "Wagga Wagga", "state": "NSW", "postcode": "3000"}]},
            "not in the gazetteer",
        ),
        ({"locations": [{"town": "Richmond", "state": "QLD"}]}, "give the postcode"),
        ({"locations": [{"town": "Wagga Wagga", "state": "XYZ"}]}, "state 'XYZ'"),
        ({"sources": []}, "at least one source"),
        ({"sources": [{"url": "https://example.org/"}]}, "read_on: a date is required"),
        ({"sources": [{"url": "https://example.org/", "read_on": "2099-01-01"}]}, "in the future"),
        (
            {"sources": [{"url": "https://example.org/", "read_on": "2026-12-01", "page_date": "2030-05"}]},
            "in the future",
        ),
        ({"sources": [{"url": "not a url", "read_on": "2026-12-01"}]}, "not a well-formed web address"),
        ({"kind": "anger-management"}, "kind"),
        ({"cost": "cheap"}, "cost"),
        ({"voluntary": "yes"}, "must be true, false or null"),
        ({"delivery": ["telepathy"]}, "delivery"),
        ({"online_area": ["Darling Downs"]}, "online_area"),
        ({"languages": ["Klingon"]}, "not a language the site knows"),
        ({"id": "Not A Slug"}, "is not a slug"),
        ({"id": "mens-referral-service"}, "already used in national_services.yaml"),
        ({"summary": ""}, "summary: text is required"),
    ],
)
def test_each_rule_refuses_the_whole_file_and_changes_nothing(ready, tmp_path, change, message):
    load(write(tmp_path, programs_file(record(id="example-good"))))
    before = snapshot()
    bad = programs_file(record(id="example-good", name="Changed name"), record(**change))
    with pytest.raises(CommandError, match="nothing changed") as error:
        load(write(tmp_path, bad))
    assert message in str(error.value)
    assert snapshot() == before
    assert Service.objects.get(slug="example-good").name == "Men's Behaviour Change Program"


def test_every_problem_is_listed_at_once_and_ids_are_unique_across_files(ready, tmp_path):
    first = write(tmp_path, programs_file(record()), "a.yaml")
    second = write(
        tmp_path,
        programs_file(record(intake_phone="12345", url="ftp://x"), org_id="other-org", phone="000 000"),
        "b.yaml",
    )
    with pytest.raises(ProgramFileError) as error:
        check_programs(files=[first, second], today=TODAY)
    text = "\n".join(error.value.problems)
    assert "id used twice" in text
    assert "'12345' is not a valid Australian phone number" in text
    assert "'ftp://x' is not a well-formed web address" in text
    assert "other-org: phone" in text
    assert len(error.value.problems) >= 4


def test_an_organisation_named_twice_with_different_names_is_refused(ready, tmp_path):
    data = programs_file(record())
    data["organisations"].append({**copy.deepcopy(data["organisations"][0]), "name": "Another name"})
    data["organisations"][1]["services"] = [record(id="example-other")]
    with pytest.raises(ProgramFileError, match="different names"):
        check_programs(files=[write(tmp_path, data)], today=TODAY)


def test_a_national_organisation_keeps_its_facts_when_programs_attach_to_it(ready, tmp_path):
    ntv = Organization.objects.get(slug="no-to-violence")
    before = (ntv.name, ntv.description, ntv.website)
    load(write(tmp_path, programs_file(record(), org_id="no-to-violence", phone=None, name="NTV")))
    ntv.refresh_from_db()
    assert (ntv.name, ntv.description, ntv.website) == before
    assert Service.objects.get(slug="example-mbcp-wagga").organization == ntv


HOSTILE = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
    st.sampled_from(["", "\x00", "A" * 5000, "1800", "https://", "2099-12-31", "-1", "NSW", "😀"]),
)
KEYS = st.sampled_from(
    [*sorted(record()), "org.id", "org.name", "org.phone", "org.website", "org.services", "version"]
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.tuples(KEYS, HOSTILE), min_size=1, max_size=4))
def test_malformed_records_are_refused_with_a_list_never_a_crash(gazetteer, tmp_path, changes):
    data = programs_file(record())
    org = data["organisations"][0]
    service = org["services"][0]
    for key, value in changes:
        if key == "version":
            data["version"] = value
        elif key.startswith("org."):
            org[key[4:]] = value
        else:
            service[key] = value
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(data))
    try:
        checked = check_programs(files=[path], today=TODAY)
    except ProgramFileError as error:
        assert error.problems and all(isinstance(p, str) for p in error.problems)
    else:  # accepted: then every checked value is one the loader can write
        assert checked.program_count == 1


def test_the_repository_programs_load_and_reach_every_state_and_capital(db):
    """The issue's numbers on the real data: every state and territory has real programs, and a
    search near each capital city finds a real local program within 50 km."""
    from services_directory.coverage import coverage

    call_command("load_seed_data", stdout=io.StringIO())
    checked = check_programs(files=program_files())
    assert checked.program_count >= 50
    result = coverage()
    assert all(state.in_person >= 1 for state in result.states), result.states
    assert result.capitals_local and all(result.capitals_local.values()), result.capitals_local
