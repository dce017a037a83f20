"""The HSDS tabular form (a CSV data package) to and from nested HSDS services.

Each HSDS table is described by its schema file (`path` names the CSV file, `properties` the
columns). `tables_from_services` flattens nested services into rows; `services_from_tables` nests
rows back into services, so import and export share one understanding of the tables.
"""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from pathlib import Path

from services_directory.hsds.schemas import schema

# table schema file -> how its rows hang off a service (child key in the nested form)
TABLES = (
    "organization",
    "service",
    "phone",
    "schedule",
    "service_area",
    "language",
    "cost_option",
    "attribute",
    "taxonomy",
    "taxonomy_term",
    "location",
    "address",
    "accessibility",
    "service_at_location",
)
SERVICE_CHILDREN = {
    "phones": "phone",
    "schedules": "schedule",
    "service_areas": "service_area",
    "languages": "language",
    "cost_options": "cost_option",
}
LOCATION_CHILDREN = {"addresses": "address", "phones": "phone", "schedules": "schedule"}
MAX_CSV_FIELD = 100_000
# Required columns that HSDS allows empty: an empty cell is "" (kept), not a missing value. A town-only
# place has address_1 "" and a town spanning several postcodes postal_code "" (serialize.address_json).
EMPTY_KEPT = {"address": ("address_1", "postal_code")}


@cache
def table_schema(table: str) -> dict:
    return schema(f"{table}.json")


def file_name(table: str) -> str:
    return table_schema(table)["path"]


def columns(table: str) -> list[str]:
    """The scalar columns of a table, in schema order (arrays and objects are other tables)."""
    return [
        name
        for name, spec in table_schema(table)["properties"].items()
        if spec.get("type") in ("string", "number", "integer", "boolean")
    ]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _coerce(table: str, row: dict) -> dict:
    """CSV text -> JSON types, by the table's schema. Empty cells are left out, but for the required
    columns HSDS allows empty (EMPTY_KEPT). Bad numbers are kept as text so that schema validation
    reports them with their field."""
    props = table_schema(table)["properties"]
    kept = EMPTY_KEPT.get(table, ())
    out = {}
    for key, value in row.items():
        if key is None or value is None or (value == "" and key not in kept):
            continue
        kind = props.get(key, {}).get("type")
        if kind in ("number", "integer"):
            try:
                number = float(value)
                value = int(number) if number.is_integer() else number
            except ValueError:
                pass
        elif kind == "boolean" and value.lower() in ("true", "false"):
            value = value.lower() == "true"
        out[key] = value
    return out


# --- Export ---------------------------------------------------------------------------------------------


def tables_from_services(services: list[dict], *, taxonomies: list[dict], terms: list[dict]) -> dict:
    """Nested HSDS services -> {table: [rows]} (rows keep only the table's scalar columns)."""
    tables: dict[str, dict[str, dict]] = {t: {} for t in TABLES}

    def put(table: str, record: dict, **links) -> None:
        row = {k: record[k] for k in columns(table) if k in record}
        row.update({k: v for k, v in links.items() if v})
        kept = tables[table].setdefault(row["id"], row)
        # One record may belong to a service and to a location (a shared phone): keep both links.
        for key, value in links.items():
            if value and not kept.get(key):
                kept[key] = value

    def put_attributes(record: dict) -> None:
        for attribute in record.get("attributes", []):
            put("attribute", attribute, link_id=record["id"])
            if "taxonomy_term" in attribute:
                put("taxonomy_term", attribute["taxonomy_term"])

    for taxonomy in taxonomies:
        put("taxonomy", taxonomy)
    for term in terms:
        put("taxonomy_term", term)
    for service in services:
        sid = service["id"]
        put("service", service)
        if "organization" in service:
            put("organization", service["organization"])
        for key, table in SERVICE_CHILDREN.items():
            for child in service.get(key, []):
                put(table, child, service_id=sid)
                put_attributes(child)
                for language in child.get("languages", []):
                    put("language", language, phone_id=child["id"])
        put_attributes(service)
        for sal in service.get("service_at_locations", []):
            put("service_at_location", sal, service_id=sid)
            location = sal.get("location")
            if location:
                put("location", location)
                for key, table in LOCATION_CHILDREN.items():
                    for child in location.get(key, []):
                        put(table, child, location_id=location["id"])
                        put_attributes(child)
                for child in location.get("accessibility", []):
                    put("accessibility", child, location_id=location["id"])
            for key in ("phones", "schedules"):
                for child in sal.get(key, []):
                    put(key[:-1], child, location_id=sal["location_id"])
                    put_attributes(child)
    return {t: list(rows.values()) for t, rows in tables.items()}


def write_csv(rows: list[dict], table: str) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns(table), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return buffer.getvalue()


def datapackage_descriptor(*, name: str, title: str, tables: list[str]) -> dict:
    """A Frictionless tabular data package describing the CSV files, from the HSDS table schemas."""
    resources = []
    for table in tables:
        spec = table_schema(table)
        fields = []
        for column in columns(table):
            prop = spec["properties"][column]
            field = {"name": column, "type": prop["type"], "description": prop.get("description", "")}
            if prop.get("format") in ("uuid", "email", "uri"):
                field["format"] = prop["format"]
            fields.append(field)
        resources.append(
            {
                "name": table,
                "path": file_name(table),
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "description": spec.get("description", ""),
                "schema": {"fields": fields, "primaryKey": "id"},
            }
        )
    return {
        "name": name,
        "title": title,
        "profile": "tabular-data-package",
        "resources": resources,
        "sources": [{"title": "Human Services Data Specification 3.0", "path": "https://openreferral.org/"}],
    }


def write_datapackage(directory: Path, tables: dict[str, list[dict]], *, name: str, title: str) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for table in TABLES:
        path = directory / file_name(table)
        path.write_text(write_csv(tables.get(table, []), table), encoding="utf-8")
        written.append(path)
    descriptor = datapackage_descriptor(name=name, title=title, tables=list(TABLES))
    package = directory / "datapackage.json"
    package.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [package, *written]


# --- Import ---------------------------------------------------------------------------------------------


class NotTabular(ValueError):
    """The files are not an HSDS CSV data package."""


def table_for_file(name: str) -> str | None:
    return {file_name(t): t for t in TABLES}.get(name)


def read_csv_text(text: str, table: str) -> list[dict]:
    csv.field_size_limit(MAX_CSV_FIELD)
    try:
        reader = csv.DictReader(io.StringIO(text))
        return [_coerce(table, row) for row in reader]
    except csv.Error as error:
        raise NotTabular(f"{file_name(table)}: {error}") from None


def services_from_tables(tables: dict[str, list[dict]]) -> list[dict]:
    """{table: rows} -> nested HSDS services (the compiled/service.json form)."""
    by_id = {
        t: {row["id"]: row for row in tables.get(t, []) if isinstance(row.get("id"), str)} for t in TABLES
    }

    def children(table: str, key: str, value: str) -> list[dict]:
        return [dict(row) for row in tables.get(table, []) if row.get(key) == value]

    def term(term_id: str) -> dict | None:
        row = by_id["taxonomy_term"].get(term_id)
        if row is None:
            return None
        row = dict(row)
        taxonomy = by_id["taxonomy"].get(row.get("taxonomy_id", ""))
        if taxonomy:
            row["taxonomy_detail"] = dict(taxonomy)
            row.setdefault("taxonomy", taxonomy.get("name", ""))
        return row

    def with_attributes(rows: list[dict]) -> list[dict]:
        for row in rows:
            attributes = children("attribute", "link_id", row.get("id"))
            for attribute in attributes:
                found_term = term(attribute.get("taxonomy_term_id", ""))
                if found_term:
                    attribute["taxonomy_term"] = found_term
            if attributes:
                row["attributes"] = attributes
        return rows

    services = []
    for row in tables.get("service", []):
        service = dict(row)
        sid = service.get("id")
        for key, table in SERVICE_CHILDREN.items():
            found = children(table, "service_id", sid)
            if key == "schedules":
                with_attributes(found)
            if key == "phones":
                for phone in found:
                    phone_languages = children("language", "phone_id", phone["id"])
                    if phone_languages:
                        phone["languages"] = phone_languages
            if found:
                service[key] = found
        attributes = children("attribute", "link_id", sid)
        for attribute in attributes:
            found_term = term(attribute.get("taxonomy_term_id", ""))
            if found_term:
                attribute["taxonomy_term"] = found_term
        if attributes:
            service["attributes"] = attributes
        organization = by_id["organization"].get(service.get("organization_id", ""))
        if organization:
            service["organization"] = dict(organization)
        sals = children("service_at_location", "service_id", sid)
        for sal in sals:
            location = by_id["location"].get(sal.get("location_id", ""))
            if location:
                location = dict(location)
                for key, table in LOCATION_CHILDREN.items():
                    found = children(table, "location_id", location["id"])
                    if key == "schedules":
                        with_attributes(found)
                    if found:
                        location[key] = found
                accessibility = children("accessibility", "location_id", location["id"])
                if accessibility:
                    location["accessibility"] = accessibility
                sal["location"] = location
        if sals:
            service["service_at_locations"] = sals
        services.append(service)
    return services


def read_directory(directory: Path) -> dict[str, list[dict]]:
    """Read the CSV files of a data package directory (datapackage.json, or the HSDS file names)."""
    package = directory / "datapackage.json"
    if package.exists():
        try:
            descriptor = json.loads(package.read_text(encoding="utf-8"))
            paths = [r["path"] for r in descriptor["resources"]]
        except (ValueError, KeyError, TypeError):
            raise NotTabular("datapackage.json is not a data package description") from None
    else:
        paths = [p.name for p in sorted(directory.glob("*.csv"))]
    tables = {}
    for path in paths:
        table = table_for_file(Path(str(path)).name)
        if table is None:
            continue
        file = directory / Path(str(path)).name
        if file.exists():
            tables[table] = read_csv_text(file.read_text(encoding="utf-8-sig"), table)
    if "service" not in tables:
        raise NotTabular(f"no {file_name('service')} in {directory.name}")
    return tables


def is_tabular_json(payload: object) -> bool:
    """The JSON tabular form (as examples/tabular.json): {"services.csv": [rows], ...}."""
    return isinstance(payload, dict) and any(table_for_file(str(k)) for k in payload)


def tables_from_tabular_json(payload: dict) -> dict[str, list[dict]]:
    tables = {}
    for key, rows in payload.items():
        table = table_for_file(str(key))
        if table and isinstance(rows, list):
            tables[table] = [r for r in rows if isinstance(r, dict)]
    return tables
