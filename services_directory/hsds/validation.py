"""Validate HSDS records against the official compiled schemas.

`record_problems(record=..., schema="compiled/service.json")` returns a list of Problem(id, field,
reason): empty means the record is valid HSDS 3.0. Field paths are dotted ("phones.0.number"), so a
provider can find the value; the reason is jsonschema's message, shortened.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from services_directory.hsds.schemas import validator

MAX_REASON = 300
MAX_PROBLEMS_PER_RECORD = 20


@dataclass(frozen=True)
class Problem:
    id: str  # the record's HSDS id, or "" when it has none
    field: str  # dotted path inside the record, "" for the record as a whole
    reason: str

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = f"{self.id or '(no id)'}" + (f" {self.field}" if self.field else "")
        return f"{where}: {self.reason}"


def record_id(record: object) -> str:
    if isinstance(record, dict) and isinstance(record.get("id"), str):
        return record["id"][:100]
    return ""


def field_path(parts) -> str:
    return ".".join(str(p) for p in parts)


def record_problems(*, record: object, schema: str) -> list[Problem]:
    """Problems of one record against one schema file (e.g. "compiled/service.json")."""
    rid = record_id(record)
    errors = sorted(validator(schema).iter_errors(record), key=lambda e: list(map(str, e.absolute_path)))
    problems = []
    for error in errors[:MAX_PROBLEMS_PER_RECORD]:
        reason = error.message
        if len(reason) > MAX_REASON:
            reason = reason[: MAX_REASON - 1] + "…"
        problems.append(Problem(id=rid, field=field_path(error.absolute_path), reason=reason))
    return problems


def is_valid(*, record: object, schema: str) -> bool:
    return validator(schema).is_valid(record)
