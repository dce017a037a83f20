"""import_hsds and export_hsds on the official HSDS 3.0 examples: all or nothing, and a faithful round trip."""

from __future__ import annotations

import copy
import csv
import io
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from services_directory.hsds import hours_attributes
from services_directory.hsds.validation import record_problems
from services_directory.models import (
    ImportedRecord,
    Location,
    Organization,
    RefreshReport,
    Service,
    ServiceAtLocation,
)

EXAMPLES = Path(__file__).parent / "data" / "hsds_examples"
MELBOURNE = {"city": "Melbourne", "state_province": "VIC", "postal_code": "3000", "country": "AU"}


def official(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text())


def australian(service: dict, *, coordinates: bool = True) -> dict:
    """The official example with its made-up foreign address moved to Melbourne (we list Australia only)."""
    service = copy.deepcopy(service)
    for sal in service.get("service_at_locations", []):
        location = sal["location"]
        if coordinates:
            location["latitude"], location["longitude"] = -37.8136, 144.9631
        else:
            location.pop("latitude", None)
            location.pop("longitude", None)
        for address in location.get("addresses", []):
            address.update(MELBOURNE)
    return service


def write(tmp_path: Path, data, name: str = "feed.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def import_hsds(path: Path, **options) -> str:
    out = io.StringIO()
    call_command("import_hsds", str(path), stdout=out, **options)
    return out.getvalue()


def state() -> list:
    """Everything an import could touch, for before/after comparisons."""
    return [
        sorted(Service.objects.values_list("hsds_id", "name", "description", "is_active", "updated_at")),
        sorted(Organization.objects.values_list("hsds_id", "name", "updated_at")),
        sorted(Location.objects.values_list("hsds_id", "city", "latitude")),
        ServiceAtLocation.objects.count(),
        ImportedRecord.objects.count(),
    ]


@pytest.fixture
def existing(make_service):
    return make_service("Already listed program")


@pytest.mark.django_db
def test_the_untouched_official_example_is_rejected_whole_with_reasons(tmp_path, existing):
    before = state()
    with pytest.raises(CommandError) as error:
        import_hsds(write(tmp_path, official("service_full.json")))
    message = str(error.value)
    assert "nothing was changed" in message
    assert "ac148810-d857-441c-9679-408f346de14b" in message
    assert "country" in message and "only Australian addresses" in message
    assert state() == before
    report = RefreshReport.objects.get()
    assert report.outcome == "rejected" and report.problems[0]["field"].endswith("country")


@pytest.mark.django_db
def test_one_bad_record_rejects_the_whole_import(tmp_path, existing, gazetteer):
    good = australian(official("service_full.json"))
    bad = copy.deepcopy(good)
    bad["id"] = "2d1f4b6e-8a43-4f0e-9b8e-0b8f7b1c0a11"
    bad["status"] = "open-ish"  # not in the HSDS enum
    before = state()
    with pytest.raises(CommandError) as error:
        import_hsds(write(tmp_path, [good, bad]))
    assert "2d1f4b6e-8a43-4f0e-9b8e-0b8f7b1c0a11 status" in str(error.value)
    assert state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("<html>not json</html>", "not JSON"),
        ('{"hello": "world"}', "not HSDS"),
        ("[1, 2, 3]", "not HSDS"),
        ("[]", "no services"),
    ],
)
def test_malformed_files_are_rejected(tmp_path, existing, content, reason):
    path = tmp_path / "feed.json"
    path.write_text(content)
    before = state()
    with pytest.raises(CommandError, match=reason):
        import_hsds(path)
    assert state() == before


def modelled(service: dict) -> dict:
    """The fields of an HSDS service that our directory models (docs/hsds.md)."""
    keep = [
        "id",
        "name",
        "alternate_name",
        "description",
        "url",
        "email",
        "status",
        "fees_description",
        "wait_time",
        "eligibility_description",
        "minimum_age",
        "maximum_age",
        "assured_date",
    ]
    out = {k: service.get(k) for k in keep}
    out["description"] = (out["description"] or "").strip()
    out["organization"] = {
        k: service["organization"].get(k)
        for k in ("id", "name", "alternate_name", "description", "email", "website")
    }
    out["phones"] = [
        {k: p.get(k) for k in ("id", "number", "extension", "type", "description")}
        for p in service.get("phones", [])
    ]
    out["schedules"] = [
        {
            "id": s["id"],
            "byday": s["byday"],
            "opens_at": s["opens_at"][:5],
            "closes_at": s["closes_at"][:5],
            "valid_from": s.get("valid_from"),
            "valid_to": s.get("valid_to"),
            "description": s.get("description"),
        }
        for s in service.get("schedules", [])
    ]
    out["languages"] = [
        {k: x.get(k) for k in ("id", "code", "name", "note")} for x in service.get("languages", [])
    ]
    out["cost_options"] = [
        {
            "id": c["id"],
            "option": c.get("option"),
            "amount": Decimal(str(c.get("amount"))),
            "currency": c.get("currency", "").upper(),
            "amount_description": c.get("amount_description"),
            "valid_from": c.get("valid_from"),
            "valid_to": c.get("valid_to"),
        }
        for c in service.get("cost_options", [])
    ]
    # Our own hours attributes (hours_attributes.py) carry facts HSDS has no field for; they are
    # compared by the round trip of our own data, not here.
    out["terms"] = sorted(
        a["taxonomy_term"]["id"] for a in service.get("attributes", []) if not hours_attributes.is_ours(a)
    )
    out["locations"] = [
        {
            "id": sal["id"],
            "description": sal.get("description"),
            "location": {
                k: sal["location"].get(k)
                for k in ("id", "name", "description", "transportation", "latitude", "longitude")
            },
            "address": {
                k: sal["location"]["addresses"][0].get(k)
                for k in ("address_1", "address_2", "city", "state_province", "postal_code", "country")
            },
            # The place's own phones and hours (on the location or the service at location) and its
            # accessibility: one of each id.
            "phones": sorted(
                {
                    p["id"]: (p["id"], p["number"], p.get("extension"), p.get("type"), p.get("description"))
                    for p in [*sal["location"].get("phones", []), *sal.get("phones", [])]
                }.values()
            ),
            "schedules": sorted(
                {
                    x["id"]: (x["id"], x["byday"], x["opens_at"][:5], x["closes_at"][:5], x.get("valid_from"))
                    for x in [*sal["location"].get("schedules", []), *sal.get("schedules", [])]
                }.values()
            ),
            "accessibility": [
                {k: a.get(k) for k in ("id", "description", "details", "url")}
                for a in sal["location"].get("accessibility", [])
            ],
        }
        for sal in service.get("service_at_locations", [])
    ]
    return out


@pytest.mark.django_db
def test_round_trip_of_the_official_example_keeps_every_modelled_field(tmp_path, gazetteer):
    source = australian(official("service_full.json"))
    assert record_problems(record=source, schema="compiled/service.json") == []
    assert "1 added" in import_hsds(write(tmp_path, source))
    out = tmp_path / "export"
    call_command("export_hsds", str(out), stdout=io.StringIO())
    exported = json.loads((out / "services.json").read_text())
    assert len(exported) == 1
    assert record_problems(record=exported[0], schema="compiled/service.json") == []
    assert modelled(exported[0]) == modelled(source)


@pytest.mark.django_db
def test_importing_twice_changes_nothing(tmp_path, gazetteer):
    path = write(tmp_path, australian(official("service_full.json")))
    import_hsds(path)
    before = state()
    assert "0 added, 0 updated, 1 unchanged" in import_hsds(path)
    assert state() == before


@pytest.mark.django_db
def test_a_location_without_coordinates_is_placed_from_the_gazetteer(tmp_path, gazetteer):
    import_hsds(write(tmp_path, australian(official("service_full.json"), coordinates=False)))
    location = Location.objects.get()
    assert (location.latitude, location.longitude) == (-37.8152, 144.9639)
    assert Service.objects.get().time_zone == "Australia/Melbourne"


def australian_csv(tmp_path: Path) -> Path:
    directory = tmp_path / "csv"
    shutil.copytree(EXAMPLES / "csv", directory)
    for name, changes in (
        ("addresses.csv", MELBOURNE),
        ("locations.csv", {"latitude": "-37.8136", "longitude": "144.9631"}),
    ):
        with (directory / name).open() as f:
            rows = list(csv.DictReader(f))
        for row in rows:
            row.update(changes)
        with (directory / name).open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return directory


@pytest.mark.django_db
def test_the_official_csv_example_imports_and_exports_as_a_datapackage(tmp_path, gazetteer):
    assert "1 added" in import_hsds(australian_csv(tmp_path))
    service = Service.objects.get(hsds_id="ac148810-d857-441c-9679-408f346de14b")
    assert service.phones.get().number == '"+44 1234 234567"'  # the example's own quoting, kept
    assert service.languages.get().code == "ur"
    out = tmp_path / "export"
    call_command("export_hsds", str(out), stdout=io.StringIO())
    package = json.loads((out / "csv" / "datapackage.json").read_text())
    assert {r["path"] for r in package["resources"]} >= {"services.csv", "organizations.csv", "schedules.csv"}
    json_export = json.loads((out / "services.json").read_text())
    # Re-importing our own CSV export is a no-op: the tabular form carries everything we model.
    assert "0 added, 0 updated, 1 unchanged" in import_hsds(out / "csv")
    call_command("export_hsds", str(tmp_path / "again"), stdout=io.StringIO())
    again = json.loads((tmp_path / "again" / "services.json").read_text())
    for a, b in zip(json_export, again, strict=True):
        a.pop("last_modified"), b.pop("last_modified")
        assert a == b
