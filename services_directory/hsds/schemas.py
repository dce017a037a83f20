"""The official HSDS 3.0 schemas, resolved locally.

The schema files and openapi.json refer to each other by their published URLs
(https://raw.githubusercontent.com/openreferral/specification/3.0/schema/...). `registry()` maps every
one of those URLs to the copy in `schema/`, so validation never touches the network: a `$ref` to a
URL that is not in the registry raises instead of being fetched.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from urllib.parse import urljoin

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
HSDS_VERSION = "3.0"
BASE_URL = f"https://raw.githubusercontent.com/openreferral/specification/{HSDS_VERSION}/schema/"
OPENAPI_URL = BASE_URL + "openapi.json"


def schema_url(name: str) -> str:
    """ "compiled/service.json" -> its published URL."""
    return BASE_URL + name


@cache
def registry() -> Registry:
    """Every schema file under schema/, registered at its published URL (read once per process)."""
    resources = []
    for path in sorted(SCHEMA_DIR.rglob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        # The HSDS files declare no $schema; openapi.json says its dialect is 2020-12.
        resource = Resource.from_contents(contents, default_specification=DRAFT202012)
        resources.append((schema_url(path.relative_to(SCHEMA_DIR).as_posix()), resource))
    return Registry().with_resources(resources).crawl()


def schema(name: str) -> dict:
    return registry().contents(schema_url(name))


@cache
def validator(name: str) -> Draft202012Validator:
    """A validator for one schema file ("compiled/service.json", "taxonomy.json", ...).

    Formats (uuid, date-time, email, uri) are checked: an id that is not a UUID cannot be a natural key.
    """
    return Draft202012Validator(
        {"$ref": schema_url(name)}, registry=registry(), format_checker=FormatChecker()
    )


@cache
def openapi() -> dict:
    return json.loads((SCHEMA_DIR / "openapi.json").read_text(encoding="utf-8"))


# The official 3.0 openapi.json describes GET /service_at_locations/{id} with the *service* schema, which a
# service-at-location cannot satisfy (it has no name or status). This is the one correction we serve.
CORRECTIONS = {
    ("/service_at_locations/{id}", "compiled/service.json"): "compiled/service_at_location.json",
}


def _component_name(url: str) -> str:
    return url.removeprefix(BASE_URL).removesuffix(".json").replace("/", "_")


def bundled_openapi(*, corrected: bool = True) -> dict:
    """openapi.json with every remote `$ref` replaced by a local `#/components/schemas/...` copy.

    The result needs no network to resolve, so any OpenAPI tool (schemathesis, a client generator) can
    read it. With `corrected`, the known mistake listed in CORRECTIONS is fixed.
    """
    doc = json.loads(json.dumps(openapi()))
    components = doc.setdefault("components", {}).setdefault("schemas", {})

    def rewrite(node, base: str | None):
        if isinstance(node, list):
            return [rewrite(item, base) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: rewrite(value, base) for key, value in node.items()}
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            url, _, fragment = urljoin(base or OPENAPI_URL, ref).partition("#")
            if fragment:
                raise ValueError(f"unexpected fragment in {ref!r}")
            name = _component_name(url)
            if name not in components:
                components[name] = {}  # placeholder: stops recursion on cycles
                components[name] = rewrite(registry().contents(url), url)
            node["$ref"] = f"#/components/schemas/{name}"
        return node

    paths = doc["paths"]
    if corrected:
        for (path, wrong), right in CORRECTIONS.items():
            schema_ref = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            if schema_ref.get("$ref") == schema_url(wrong):
                schema_ref["$ref"] = schema_url(right)
    doc["paths"] = rewrite(paths, None)
    return doc
