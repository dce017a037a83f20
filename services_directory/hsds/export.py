"""Write the published directory as HSDS 3.0: nested JSON and the tabular CSV data package."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from services_directory.hsds import selectors, serialize, tabular
from services_directory.models import Taxonomy, TaxonomyTerm


def directory_export(*, directory: Path) -> dict[str, int]:
    """Write `services.json` (fully nested services) and `csv/` (datapackage.json + one CSV per table).

    Only what the API publishes is exported (no demo, synthetic or inactive listings). Safe to re-run:
    files are overwritten.
    """
    now = timezone.now()
    qs = selectors.with_full_service(selectors.public_services().order_by("name", "id"))
    services = [serialize.service_json(s, now=now) for s in qs]
    taxonomies = [serialize.taxonomy_json(t) for t in Taxonomy.objects.order_by("slug")]
    terms = [serialize.taxonomy_term_json(t) for t in selectors.taxonomy_terms()]
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "services.json").write_text(
        json.dumps(services, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (directory / "taxonomies.json").write_text(
        json.dumps({"taxonomies": taxonomies, "taxonomy_terms": terms}, indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    tables = tabular.tables_from_services(services, taxonomies=taxonomies, terms=terms)
    tabular.write_datapackage(
        directory / "csv",
        tables,
        name=f"{settings.SITE_NAME.lower()}-services-directory",
        title=f"{settings.SITE_NAME} services directory (HSDS 3.0)",
    )
    return {"services": len(services), "taxonomy_terms": TaxonomyTerm.objects.count()}
