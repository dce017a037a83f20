"""Where a postcode "is": one robust point for a postcode from the points of its localities.

Standard library only, so that the gazetteer build script (services_directory/data/gazetteer/
build_gazetteer.py) runs the same check offline that the site uses at request time.

Why not the plain average: a postcode mixes a town with the far-flung localities its mail route
serves, and the source data has a few localities geocoded to a place of the same name far away.
The average of 2880 fell 91 km from Broken Hill (out in the desert between Tibooburra and
Cameron Corner) and the average of 4171 (Bulimba, Brisbane) 534 km away because "Galloways Hill"
sits in the Torres Strait. We have no population figures offline, so the point leans toward
where people live in the two ways the data itself shows:

1. Outliers out. A locality is an outlier when it lies more than ``max(OUTLIER_MIN_KM,
   OUTLIER_SPREAD_FACTOR x spread)`` from the coordinate-wise median of the postcode's
   localities, where spread is the median distance of the localities from that median.
   The build check lists them; the point ignores them.
2. The main place. Among the rest, the postcode's main name wins: the locality whose name the
   most other localities extend ("Cairns" for Cairns City, Cairns North, North Cairns, Cairns
   DC...; "Broken Hill" for Broken Hill North and South Broken Hill), counting only those within
   DENSE_KM of it. Delivery centres and suburbs named after a town mean the town is where the
   post office and the people are.
   Next comes a known town (the main town of an island named in data/gazetteer/aliases.csv, such
   as Currie for King Island). When neither applies, the densest locality wins: the one with the most of the postcode's
   other localities within DENSE_KM (towns have many small localities close together, the bush
   a few large ones far apart), ties broken by the smallest total distance (the medoid).

The point is that locality's own point: always a real place inside the postcode, never a spot
in between two towns.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Collection, Sequence
from dataclasses import dataclass

OUTLIER_MIN_KM = 100.0
OUTLIER_SPREAD_FACTOR = 4.0
DENSE_KM = 10.0
EARTH_KM = 6371.0


@dataclass(frozen=True)
class Locality:
    name: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class PostcodePoint:
    latitude: float
    longitude: float
    anchor: str  # the locality whose point this is
    method: str  # "only", "main-name", "known-town" or "densest"
    outliers: tuple[Locality, ...]


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def median_centre(localities: Sequence[Locality]) -> tuple[float, float]:
    """The coordinate-wise median: one far point cannot drag it away, unlike the mean."""
    return (
        statistics.median(p.latitude for p in localities),
        statistics.median(p.longitude for p in localities),
    )


def split_outliers(localities: Sequence[Locality]) -> tuple[list[Locality], list[Locality]]:
    """(kept, outliers): outliers lie far from the postcode's other localities (see module doc)."""
    if len(localities) < 3:
        return list(localities), []
    centre = median_centre(localities)
    distances = [km((p.latitude, p.longitude), centre) for p in localities]
    limit = max(OUTLIER_MIN_KM, OUTLIER_SPREAD_FACTOR * statistics.median(distances))
    kept = [p for p, d in zip(localities, distances, strict=True) if d <= limit]
    far = [p for p, d in zip(localities, distances, strict=True) if d > limit]
    return kept, far


def _extensions(place: Locality, others: Sequence[Locality]) -> int:
    """How many other localities extend this name by whole words ("Cairns North", "North Cairns")
    and lie within DENSE_KM of it: suburbs named after a town lie around the town. (Far-apart
    namesakes such as the Wellesley Islands, South and West, say nothing about where people live.)"""
    low = place.name.lower()
    return sum(
        1
        for other in others
        if (other.name.lower().startswith(low + " ") or other.name.lower().endswith(" " + low))
        and km((place.latitude, place.longitude), (other.latitude, other.longitude)) <= DENSE_KM
    )


def postcode_point(localities: Sequence[Locality], *, known_towns: Collection[str] = ()) -> PostcodePoint:
    """The robust point of one postcode (localities of one state). See the module doc for why."""
    if not localities:
        raise ValueError("a postcode needs at least one locality")
    ordered = sorted(localities, key=lambda p: (p.name, p.latitude, p.longitude))
    kept, far = split_outliers(ordered)
    if len(kept) == 1:
        only = kept[0]
        return PostcodePoint(only.latitude, only.longitude, only.name, "only", tuple(far))
    extended = {p.name: _extensions(p, kept) for p in kept}

    def density(p: Locality) -> tuple[int, float, str]:
        distances = [km((p.latitude, p.longitude), (q.latitude, q.longitude)) for q in kept]
        return (-sum(d <= DENSE_KM for d in distances), sum(distances), p.name)

    best = max(extended.values())
    if best >= 1:
        anchor = min((p for p in kept if extended[p.name] == best), key=density)
        method = "main-name"
    elif any(p.name in known_towns for p in kept):
        anchor = min((p for p in kept if p.name in known_towns), key=density)
        method = "known-town"
    else:
        anchor = min(kept, key=density)
        method = "densest"
    return PostcodePoint(anchor.latitude, anchor.longitude, anchor.name, method, tuple(far))
