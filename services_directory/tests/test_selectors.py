"""Directory reads: the display prefetch behaves like Django's own prefetch, in fewer queries."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from services_directory import selectors
from services_directory.models import Service

T = datetime.time
RICHMOND_VIC = (-37.8230, 145.0000, "Richmond", "VIC", "3121")


def test_display_prefetch_loads_each_relation_once_and_chaining_still_asks_for_one_service(
    gazetteer, make_service
):
    make_service(
        "First", phones=("03 9000 0001", "03 9000 0002"), schedules=[("MO", T(9), T(17)), ("TU", T(9), T(12))]
    )
    make_service("Second", phones=("03 9000 0003",), schedules=[("WE", T(10), T(14))])
    make_service("Third", phones=(), schedules=[])
    services = list(Service.objects.order_by("name"))
    with CaptureQueriesContext(connection) as loading:
        selectors.prefetch_for_display(services)
    assert len(loading) == 5  # phones, schedules, closures, attributes, their terms

    first, second, third = services
    with CaptureQueriesContext(connection) as reading:
        assert [p.number for p in first.phones.all()] == ["03 9000 0001", "03 9000 0002"]
        assert [p.number for p in second.phones.all()] == ["03 9000 0003"]
        assert not third.phones.all()
        assert first.phones.all()[0].service is first
        assert len(second.schedules.all()) == 1
        assert {t.code for t in selectors.terms_of(first, "service-type")} == {"mbcp"}
    assert len(reading) == 0

    # Chaining asks the database, for this service's rows only (as after Django's prefetch).
    assert [s.byday for s in first.schedules.order_by("id")] == ["MO", "TU"]
    assert second.schedules.filter(byday="MO").count() == 0
    assert third.phones.count() == 0

    # A second pass loads nothing already there.
    with CaptureQueriesContext(connection) as again:
        selectors.prefetch_for_display(services)
    assert len(again) == 0


def test_any_of_matches_like_in_with_one_array_parameter(gazetteer, make_service):
    from services_directory.lookups import AnyOf

    ids = [make_service(f"Service {i}").pk for i in range(3)]
    wanted = Service.objects.filter(pk__any_of=ids[:2]).order_by("pk")
    assert list(wanted.values_list("pk", flat=True)) == ids[:2]
    assert list(Service.objects.filter(pk__any_of=[*ids[:2], 0])) == list(
        Service.objects.filter(pk__in=ids[:2])
    )
    with CaptureQueriesContext(connection) as none:
        assert list(Service.objects.filter(pk__any_of=[])) == []
    assert len(none) == 0  # nothing to match: no query, as with __in
    sql, params = wanted.query.sql_with_params()
    if connection.vendor == "postgresql":
        assert "= ANY(%s)" in sql and [ids[:2]] == [p for p in params if isinstance(p, list)]
    # Elsewhere: a plain IN with one placeholder per id.
    compiler = wanted.query.get_compiler(using="default")
    lookup = wanted.query.where.children[0]
    assert isinstance(lookup, AnyOf)
    generic_sql, generic_params = lookup.as_sql(compiler, connection)
    assert generic_sql.endswith("IN (%s, %s)") and generic_params == ids[:2]


def test_terms_are_kept_in_the_process_until_the_directory_changes(gazetteer, make_service):
    from services_directory.models import TaxonomyTerm
    from services_directory.services import synonyms_changed

    make_service("First", types=("mbcp",))
    make_service("Second", types=("mbcp",))
    first, second = (Service.objects.get(name=name) for name in ("First", "Second"))
    with CaptureQueriesContext(connection) as cold:
        selectors.prefetch_for_display([first])
    with CaptureQueriesContext(connection) as warm:
        selectors.prefetch_for_display([second])
    assert len(cold) == 5 and len(warm) == 4  # the terms come from this process the second time
    assert [t.name for t in selectors.terms_of(second, "service-type")] == ["Men's Behaviour Change Program"]

    # Staff rename a term (the admin calls synonyms_changed): the next page shows the new name.
    TaxonomyTerm.objects.filter(code="mbcp").update(name="Behaviour change program")
    synonyms_changed()
    again = Service.objects.get(name="Second")
    selectors.prefetch_for_display([again])
    assert [t.name for t in selectors.terms_of(again, "service-type")] == ["Behaviour change program"]
