"""Loaders: national services, taxonomy, demo listings, synthetic listings, seed data."""

import datetime
import io

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from services_directory.management.commands.load_national_services import DEFAULT_FILE
from services_directory.models import (
    STATES,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    SearchPoint,
    SearchSynonym,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceAttribute,
    TaxonomyTerm,
)


def run(*args, **kwargs):
    out = io.StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def snapshot():
    return {
        model.__name__: sorted(
            (str(row.hsds_id), getattr(row, "updated_at", None)) for row in model.objects.all()
        )
        for model in (Organization, Service, Phone, Schedule, ServiceAttribute)
    }


def test_load_national_services_is_idempotent(db):
    run("load_national_services")
    first = snapshot()
    data = yaml.safe_load(DEFAULT_FILE.read_text())
    expected = sum(len(o["services"]) for o in data["organisations"])
    assert Service.objects.count() == expected
    run("load_national_services")
    assert snapshot() == first


def test_every_national_service_has_a_source_and_date(db):
    run("load_national_services")
    for service in Service.objects.all():
        assert service.source_url.startswith(("https://", "http://"))
        assert service.last_verified is not None
        # A service whose every number is withheld (contact registry) is loaded without it, unlisted.
        assert service.phones.exists() or not service.is_active


def test_national_services_facts(db):
    run("load_national_services")
    mrs = Service.objects.get(slug="mens-referral-service")
    assert mrs.phones.get().number == "1300 766 491"
    assert not mrs.phones.get().is_free_call
    assert mrs.service_areas.get().scope == "national"
    assert set(mrs.terms.values_list("code", flat=True)) >= {"phone-line", "men-using-violence"}
    qlife = Service.objects.get(slug="qlife")
    assert qlife.hours_in_local_time
    schedule = qlife.schedules.get()
    assert (schedule.opens_at.hour, schedule.closes_at.hour) == (15, 0)  # 3pm to midnight
    wa = Service.objects.get(slug="wa-mens-domestic-violence-helpline")
    assert wa.service_areas.get().state_list == ["WA"]
    # Its number is withheld until a government page confirms it (1800 000 599 vs 559).
    assert not wa.phones.exists() and not wa.is_active


def test_bad_national_file_changes_nothing(db, tmp_path):
    run("load_national_services")
    before = snapshot()
    data = yaml.safe_load(DEFAULT_FILE.read_text())
    data["organisations"][0]["services"][0]["types"] = ["no-such-type"]
    data["organisations"][0]["services"][0]["name"] = "Changed"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(CommandError, match="no-such-type"):
        run("load_national_services", file=bad)
    assert snapshot() == before
    del data["organisations"][0]["services"][0]["source_url"]
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(CommandError, match="source_url"):
        run("load_national_services", file=bad)


def test_taxonomy_keeps_staff_synonym_edits(db):
    run("load_taxonomy")
    synonym = SearchSynonym.objects.get(phrase="anger management")
    synonym.expands_to = "edited by staff"
    synonym.save()
    run("load_taxonomy")
    assert SearchSynonym.objects.get(phrase="anger management").expands_to == "edited by staff"
    assert TaxonomyTerm.objects.of("service-type").filter(code="mbcp").exists()


def test_demo_listings_refused_without_demo(gazetteer, settings):
    settings.DEMO = False
    with pytest.raises(CommandError, match="DEMO=1"):
        run("load_demo_listings")
    assert not Service.objects.exists()


def test_demo_listings_cover_every_state(db, settings):
    settings.DEMO = True
    run("load_gazetteer")  # the real gazetteer: demo towns are spread across it
    run("load_demo_listings")
    run("load_demo_listings")
    demo = Service.objects.filter(is_demo=True)
    states = set(demo.values_list("service_at_locations__location__state_province", flat=True))
    assert states == set(STATES)
    assert all(s.name.startswith("Example") and "not a real service" in s.summary for s in demo)
    assert all("5550" in p.number for p in Phone.objects.filter(service__is_demo=True))


def test_generate_listings(gazetteer):
    out = run("generate_listings", 300)
    assert "300 synthetic services" in out
    assert Service.objects.filter(is_synthetic=True).count() == 300
    assert all(s.name.startswith("Synthetic") for s in Service.objects.all()[:20])
    run("generate_listings", 0, delete=True)
    assert not Service.objects.exists()


def test_generate_listings_delete_takes_only_synthetic_rows_and_writes_no_history(gazetteer, make_service):
    """--delete removes synthetic listings and every row hanging off them (here also a phone's
    language and a provider's change request) with one DELETE per table: no "deleted" rows in the
    audit trail. A real listing keeps its rows and its history; a reference that only points at a
    synthetic listing is cleared, not deleted."""
    from providers.models import ChangeRequest

    run("generate_listings", 40)  # first: its full refresh of the search points truncates them
    real = make_service(
        "Real program",
        at=(-37.8136, 144.9631, "Melbourne", "VIC", "3000"),
        schedules=[("MO", datetime.time(9), datetime.time(17))],
    )
    synthetic = Service.objects.filter(is_synthetic=True).order_by("pk").first()
    synthetic_phone = Phone.objects.filter(service=synthetic).first()
    Language.objects.create(phone=synthetic_phone, code="ar", name="Arabic")
    ChangeRequest.objects.create(organisation=real.organization, kind="service", service=synthetic)
    kept = ChangeRequest.objects.create(
        organisation=real.organization, kind="service", service=real, result_service=synthetic
    )
    audited = (Service, Location, Phone, Schedule)
    history_before = {model: model.history.count() for model in audited}
    assert history_before[Service] >= 1  # the real listing's own trail
    real_rows = (
        list(Phone.objects.filter(service=real).values_list("pk", flat=True)),
        list(Schedule.objects.filter(service=real).values_list("pk", flat=True)),
        list(SearchPoint.objects.filter(service=real).values_list("pk", flat=True)),
    )
    assert all(real_rows)

    out = run("generate_listings", 0, delete=True)

    assert "deleted 40 synthetic services" in out
    assert list(Service.objects.all()) == [real]
    assert list(Organization.objects.all()) == [real.organization]
    assert list(Location.objects.all()) == [Location.objects.get(service_at_locations__service=real)]
    assert (
        list(Phone.objects.filter(service=real).values_list("pk", flat=True)),
        list(Schedule.objects.filter(service=real).values_list("pk", flat=True)),
        list(SearchPoint.objects.filter(service=real).values_list("pk", flat=True)),
    ) == real_rows
    for model in (Phone, Schedule, SearchPoint, ServiceAtLocation, ServiceAttribute, ServiceArea, Language):
        assert not model.objects.exclude(service=real).exclude(service=None).exists(), model
    assert not Language.objects.filter(phone=synthetic_phone.pk).exists()
    assert list(ChangeRequest.objects.all()) == [kept]
    kept.refresh_from_db()
    assert kept.result_service is None
    assert {model: model.history.count() for model in audited} == history_before


@pytest.mark.usefixtures("postgres")
@pytest.mark.django_db(transaction=True)
def test_generate_listings_leaves_fresh_statistics_for_the_planner(gazetteer):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_vacuum, last_analyze FROM pg_stat_user_tables WHERE relname = %s",
            [Service._meta.db_table],
        )
        before = cursor.fetchone()
    run("generate_listings", 50)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_vacuum, last_analyze FROM pg_stat_user_tables WHERE relname = %s",
            [Service._meta.db_table],
        )
        vacuumed, analysed = cursor.fetchone()
    assert vacuumed is not None and analysed is not None
    assert before is None or before[0] is None or vacuumed > before[0]


def test_load_seed_data(db):
    out = run("load_seed_data")
    assert "load_gazetteer" in out
    assert "load_national_services" in out
