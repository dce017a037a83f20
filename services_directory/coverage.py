"""How well the real programs cover Australia: the table in docs/directory.md ("Coverage").

Reads the database as loaded (load_seed_data): active, real (not demo or synthetic) programs, i.e.
services with a `program_kind` from the programs files, and the national lines that are programs
(service types mbcp or brief-intervention, such as No to Violence's Brief Intervention Service).
Distances are great-circle kilometres from each centre's point to the nearest place where an
in-person program runs; a man's road trip is longer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from django.db.models import Q

from services_directory.models import STATES, Place, Service, ServiceAtLocation
from services_directory.postcode_points import km

CENTRES_FILE = Path(__file__).resolve().parent / "data" / "urban_centres.yaml"
REACH_KM = 150
LOCAL_KM = 50
PROGRAM_TYPES = ("mbcp", "brief-intervention")
LINE_KINDS = {"state-line", "national-line"}


@dataclass(frozen=True)
class CentreRow:
    rank: int
    name: str
    state: str
    nearest_km: float | None
    nearest_program: str
    nearest_town: str
    remote_program: bool  # an online or phone program serves the centre's state


@dataclass(frozen=True)
class StateRow:
    state: str
    programs: int  # listed programs that run in the state (in person) or serve it (online, phone)
    in_person: int
    towns: int
    remote: int


@dataclass(frozen=True)
class Coverage:
    states: list[StateRow]
    centres: list[CentreRow]
    within_reach: int
    capitals_local: dict[str, bool]

    @property
    def fraction(self) -> float:
        return self.within_reach / len(self.centres) if self.centres else 0.0


def _programs():
    return (
        Service.objects.filter(is_active=True, is_demo=False, is_synthetic=False)
        .filter(
            ~Q(program_kind="")
            | Q(attributes__term__code__in=PROGRAM_TYPES, attributes__term__taxonomy__slug="service-type")
        )
        .distinct()
    )


def centres() -> list[dict]:
    return yaml.safe_load(CENTRES_FILE.read_text(encoding="utf-8"))["centres"]


def _centre_point(centre: dict) -> tuple[float, float]:
    rows = list(
        Place.objects.filter(postcode=centre["postcode"], state=centre["state"], locality=centre["place"])
    )
    if not rows:
        raise ValueError(f"{centre['place']} {centre['state']} {centre['postcode']} is not in the gazetteer")
    return rows[0].latitude, rows[0].longitude


def coverage() -> Coverage:
    """Work out the coverage table from the programs in the database."""
    programs = list(_programs().prefetch_related("service_areas"))
    ids = [p.pk for p in programs]
    points = [
        (sal.service.name, sal.location.city, sal.location.state_province, sal.location.latitude, sal.location.longitude, sal.service_id)
        for sal in ServiceAtLocation.objects.filter(service_id__in=ids, location__latitude__isnull=False)
        .select_related("service", "location")
    ]  # fmt: skip
    remote_states: dict[str, set[int]] = {s: set() for s in STATES}
    for program in programs:
        if program.program_kind in LINE_KINDS:
            continue  # a phone line (or an interpreting service) is not a program
        for area in program.service_areas.all():
            covered = STATES if area.scope == "national" else area.state_list if area.scope == "state" else ()
            for state in covered:
                remote_states[state].add(program.pk)
    states = []
    for state in STATES:
        here = [p for p in points if p[2] == state]
        in_person = {p[5] for p in here}
        states.append(
            StateRow(
                state=state,
                programs=len(in_person | remote_states[state]),
                in_person=len(in_person),
                towns=len({p[1] for p in here}),
                remote=len(remote_states[state]),
            )
        )
    rows = []
    for centre in centres():
        lat, lon = _centre_point(centre)
        best = min(points, key=lambda p: km((lat, lon), (p[3], p[4])), default=None)
        rows.append(
            CentreRow(
                rank=centre["rank"],
                name=centre["name"],
                state=centre["state"],
                nearest_km=round(km((lat, lon), (best[3], best[4])), 1) if best else None,
                nearest_program=best[0] if best else "",
                nearest_town=f"{best[1]} {best[2]}" if best else "",
                remote_program=bool(remote_states[centre["state"]]),
            )
        )
    capitals = {r.name: r.nearest_km is not None and r.nearest_km <= LOCAL_KM for r in rows if r.rank <= 5 or r.name in {
        "Canberra - Queanbeyan", "Hobart", "Darwin"}}  # fmt: skip
    return Coverage(
        states=states,
        centres=rows,
        within_reach=sum(1 for r in rows if r.nearest_km is not None and r.nearest_km <= REACH_KM),
        capitals_local=capitals,
    )


def as_markdown(result: Coverage, *, generated_on: str) -> str:
    lines = [
        f"Generated by `manage.py directory_coverage` on {generated_on} from the programs loaded by "
        "`load_seed_data` (listed, real programs only). Distances are straight-line kilometres.",
        "",
        "| State | Programs (in person + online/phone serving it) | In person | Towns with a program | Online or phone programs serving it |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {s.state} | {s.programs} | {s.in_person} | {s.towns} | {s.remote} |" for s in result.states]
    lines += [
        "",
        f"**{result.within_reach} of {len(result.centres)} centres ({result.fraction:.0%}) have a real in-person "
        f"program within {REACH_KM} km.** Capital cities with an in-person program within {LOCAL_KM} km: "
        + ", ".join(f"{name} {'yes' if ok else 'NO'}" for name, ok in result.capitals_local.items())
        + ".",
        "",
        "| # | Centre (ABS Significant Urban Area) | State | Nearest in-person program | Where | km | Online or phone program for the state |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in result.centres:
        distance = f"{r.nearest_km:.0f}" if r.nearest_km is not None else "none"
        flag = "" if r.nearest_km is not None and r.nearest_km <= REACH_KM else " **(over 150 km)**"
        lines.append(
            f"| {r.rank} | {r.name} | {r.state} | {r.nearest_program or 'none found'} | {r.nearest_town} | "
            f"{distance}{flag} | {'yes' if r.remote_program else 'no'} |"
        )
    return "\n".join(lines)
