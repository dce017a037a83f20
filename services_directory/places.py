"""Everything about places: postcodes, locality names, states and their time zones.

`resolve_place(text)` turns what a visitor typed ("3121", "Richmond", "richmnd vic", "Parramatta 2150")
into a Place, an Ambiguous choice or NotFound, using only the local gazetteer (no network at request
time). Typos are tolerated with pg_trgm similarity on PostgreSQL and difflib on SQLite.
"""

from __future__ import annotations

import csv
import difflib
import itertools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.db import connection

from services_directory.models import STATE_NAMES, STATES, Place
from services_directory.postcode_points import Locality, PostcodePoint, postcode_point

STATE_ZONES = {
    "NSW": "Australia/Sydney",
    "ACT": "Australia/Sydney",
    "VIC": "Australia/Melbourne",
    "QLD": "Australia/Brisbane",
    "SA": "Australia/Adelaide",
    "WA": "Australia/Perth",
    "TAS": "Australia/Hobart",
    "NT": "Australia/Darwin",
}
# Places in NSW that keep another zone: Broken Hill keeps South Australian time, Lord Howe Island its own.
POSTCODE_ZONES = {"2880": "Australia/Broken_Hill", "2898": "Australia/Lord_Howe"}

MAX_INPUT = 100
ALIASES_FILE = Path(__file__).resolve().parent / "data" / "gazetteer" / "aliases.csv"
# Words people shorten when they type a place. Each maps to what the gazetteer spells out; "St" and
# "Mt" are left alone because normalise_name stores Saint and Mount that way. "Pt" is Point or Port
# (Point Cook, Port Adelaide): both are tried and the gazetteer decides.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "sth": ("south",),
    "nth": ("north",),
    "n": ("north",),
    "s": ("south",),
    "e": ("east",),
    "w": ("west",),
    "pt": ("point", "port"),
    "pnt": ("point",),
    "mnt": ("mt",),
    "ft": ("fort",),
    "hts": ("heights",),
    "ck": ("creek",),
    "crk": ("creek",),
    "is": ("island",),
    "isl": ("island",),
    "stn": ("station",),
    "bch": ("beach",),
    "hbr": ("harbour",),
    "lk": ("lake",),
    "gdns": ("gardens",),
    "pk": ("park",),
    "vly": ("valley",),
    "jct": ("junction",),
    "upr": ("upper",),
    "lwr": ("lower",),
}
_DIRECTION_WORDS = {"north", "south", "east", "west", "upper", "lower", "central"}
MAX_VARIANTS = 12
MAX_CHOICES = 10
# Below this trigram similarity a suggestion is more likely noise than a typo.
SIMILARITY_THRESHOLD = 0.45
# Places with one name in one state further apart than this are offered as a choice.
SAME_PLACE_KM = 30


class PlaceError(ValueError):
    """Base class for place problems a visitor can fix."""


class InvalidPostcode(PlaceError):
    """Not an Australian postcode (four digits from 0200)."""


@dataclass(frozen=True)
class Ambiguous:
    text: str
    choices: list[Place]


@dataclass(frozen=True)
class NotFound:
    text: str
    reason: str  # "empty", "postcode", "name"
    suggestions: list[Place] = field(default_factory=list)


def zone_for(*, state: str, postcode: str = "") -> str:
    """The IANA time zone of a place (its state's, except Broken Hill and Lord Howe Island)."""
    return POSTCODE_ZONES.get(postcode) or STATE_ZONES.get(state, "Australia/Sydney")


def normalise_name(text: str) -> str:
    """Lower case, accents and punctuation removed, "Saint"/"Mount" shortened, single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    text = re.sub(r"\bsaint\b", "st", text)
    text = re.sub(r"\bmount\b", "mt", text)
    return text


def normalise_postcode(text: str) -> str:
    """ "3121", " 3121 ", "800" (Darwin written without the zero) -> "3121", "0800"."""
    digits = (text or "").strip().replace(" ", "")
    if not re.fullmatch(r"[0-9]{3,4}", digits):
        raise InvalidPostcode(text)
    digits = digits.zfill(4)
    if not is_valid_postcode(digits):
        raise InvalidPostcode(text)
    return digits


def is_valid_postcode(text: str) -> bool:
    """Four digits in the ranges Australia Post uses (0200-0299 ACT, 0800-0999 NT, 1000-9999)."""
    if not isinstance(text, str) or not re.fullmatch(r"[0-9]{4}", text):
        return False
    number = int(text)
    return 200 <= number <= 299 or 800 <= number <= 9999


_STATE_WORDS = {s.lower(): s for s in STATES} | {normalise_name(n): s for s, n in STATE_NAMES.items()}


def parse_place_text(text: str) -> tuple[str, str | None, str | None]:
    """Split input into (normalised name, state, postcode); each part may be missing."""
    name = normalise_name(text[:MAX_INPUT])
    postcode = None
    found = re.search(r"\b([0-9]{3,4})\b", name)
    if found:
        try:
            postcode = normalise_postcode(found.group(1))
        except InvalidPostcode:
            postcode = found.group(1).zfill(4)
        name = (name[: found.start()] + " " + name[found.end() :]).strip()
    state = None
    for words, code in sorted(_STATE_WORDS.items(), key=lambda kv: -len(kv[0])):
        pattern = rf"(^|\s){re.escape(words)}$"
        if re.search(pattern, name):
            state = code
            name = re.sub(pattern, "", name).strip()
            break
    name = re.sub(r"\s+", " ", re.sub(r"[0-9]", " ", name)).strip()
    return name, state, postcode


def resolve_place(text: str) -> Place | Ambiguous | NotFound:
    """What place the visitor means. At most three small queries; never touches the network."""
    text = (text or "").replace("\x00", "").strip()
    name, state, postcode = parse_place_text(text)
    if not name and not postcode:
        # Letters we cannot read ("Сидней", "シドニー") are a name we do not know, not an empty box.
        return NotFound(text=text, reason="name" if any(c.isalnum() for c in text) else "empty")
    if postcode and not is_valid_postcode(postcode):
        return NotFound(text=text, reason="postcode")
    places = Place.objects.all()
    if state:
        places = places.filter(state=state)
    if not name:
        return _postcode_place(places, postcode, text)
    variants = name_variants(name)
    exact = list(
        places.filter(name_normalised__in=variants, **({"postcode": postcode} if postcode else {}))[:500]
    )
    if not exact and postcode:
        # "Richmond 3000": trust the name over a mistyped postcode.
        exact = list(places.filter(name_normalised__in=variants)[:500])
    if exact:
        return _one_or_choice(exact, text)
    aliased = _aliased(variants, state)
    if aliased:
        return _one_or_choice(aliased, text)
    similar = _similar(places, spelt_out(name))
    if not similar:
        return NotFound(text=text, reason="name")
    return _one_or_choice(similar, text)


def name_variants(name: str) -> list[str]:
    """The normalised name as typed, then with abbreviations spelt out ("sth yarra" -> "south
    yarra") and with a trailing direction word moved to the front ("yarra south" -> "south yarra")
    or a leading one to the back. At most MAX_VARIANTS, the name as typed first."""
    words = name.split()
    if not words:
        return [name]
    options = [
        (word, *ABBREVIATIONS[word]) if word in ABBREVIATIONS and len(words) > 1 else (word,)
        for word in words
    ]
    found = [name]
    for combination in itertools.islice(itertools.product(*options), MAX_VARIANTS * 2):
        expanded = list(combination)
        for candidate in (expanded, _moved_direction(expanded)):
            joined = " ".join(candidate) if candidate else ""
            if joined and joined not in found:
                found.append(joined)
    spelt = spelt_out(name)
    if spelt != name:
        if spelt in found:
            found.remove(spelt)
        found.insert(1, spelt)
    return found[:MAX_VARIANTS]


def spelt_out(name: str) -> str:
    """Every abbreviation replaced by its first meaning: the best guess for a typo search."""
    words = name.split()
    if len(words) < 2:
        return name
    return " ".join(ABBREVIATIONS[w][0] if w in ABBREVIATIONS else w for w in words)


def _moved_direction(words: list[str]) -> list[str]:
    if len(words) < 2:
        return []
    if words[-1] in _DIRECTION_WORDS:
        return [words[-1], *words[:-1]]
    if words[0] in _DIRECTION_WORDS:
        return [*words[1:], words[0]]
    return []


@dataclass(frozen=True)
class Alias:
    name: str  # normalised
    postcode: str
    locality: str
    state: str


@lru_cache(maxsize=1)
def aliases() -> dict[str, list[Alias]]:
    """Names people use that are not gazetteer localities (islands mostly): data/gazetteer/aliases.csv."""
    table: dict[str, list[Alias]] = {}
    with ALIASES_FILE.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(row for row in handle if not row.startswith("#")):
            alias = Alias(normalise_name(row["alias"]), row["postcode"], row["locality"], row["state"])
            table.setdefault(alias.name, []).append(alias)
    return table


def _aliased(variants: list[str], state: str | None) -> list[Place]:
    found = [a for v in variants for a in aliases().get(v, []) if not state or a.state == state]
    rows: list[Place] = []
    for alias in found:
        rows += list(
            Place.objects.filter(
                postcode=alias.postcode, name_normalised=normalise_name(alias.locality), state=alias.state
            )
        )
    return rows


def _postcode_place(places, postcode: str, text: str) -> Place | NotFound:
    """A postcode stands for its robust point (postcode_points.py), in the state most of its
    localities are in."""
    rows = list(places.filter(postcode=postcode).order_by("locality")[:200])
    if not rows:
        return NotFound(text=text, reason="postcode")
    state = Counter(r.state for r in rows).most_common(1)[0][0]
    in_state = [r for r in rows if r.state == state]
    point = _point_of(
        tuple(Locality(r.locality, r.latitude, r.longitude) for r in in_state), known_towns(postcode)
    )
    anchor = next(r for r in in_state if r.locality == point.anchor)
    far = {p.name for p in point.outliers}
    names = _main_localities([r.locality for r in in_state if r.locality not in far])
    names = [point.anchor, *(n for n in names if n != point.anchor)]
    return Place(
        pk=anchor.pk,
        postcode=postcode,
        locality=", ".join(names[:3]) + (" and nearby" if len(names) > 3 else ""),
        state=state,
        latitude=point.latitude,
        longitude=point.longitude,
        name_normalised=anchor.name_normalised,
    )


@lru_cache(maxsize=4096)  # every postcode (3,173): the biggest (0822, 111 localities) takes ~20 ms once
def _point_of(localities: tuple[Locality, ...], towns: frozenset[str]) -> PostcodePoint:
    # Keyed by the rows themselves, so a reloaded gazetteer is never answered from a stale point.
    return postcode_point(localities, known_towns=towns)


def known_towns(postcode: str) -> frozenset[str]:
    """Localities of this postcode that aliases.csv names as a main town (Currie for King Island)."""
    return frozenset(a.locality for group in aliases().values() for a in group if a.postcode == postcode)


def postcode_place(postcode: str) -> Place | None:
    """The Place a postcode stands for (its robust point), or None when the gazetteer lacks it."""
    if not is_valid_postcode(postcode):
        return None
    found = _postcode_place(Place.objects.all(), postcode, postcode)
    return found if isinstance(found, Place) else None


_DIRECTION = re.compile(r"\s+(North|South|East|West|Central|Upper|Lower|DC|BC|MC)$")


def _main_localities(localities: list[str]) -> list[str]:
    """Localities of a postcode, the best known first: "Richmond" (with Richmond East, North and
    South) before "Cremorne"."""
    families = Counter(_DIRECTION.sub("", name) for name in localities)
    present = set(localities)
    ordered = sorted(families, key=lambda base: (-families[base], base))
    return [base for base in ordered if base in present] + [
        name for name in sorted(present) if _DIRECTION.sub("", name) not in present
    ]


def _one_or_choice(rows: list[Place], text: str) -> Place | Ambiguous:
    """One place when every match is the same locality; otherwise a choice, one entry per place."""
    clusters: list[list[Place]] = []
    for row in sorted(rows, key=_preference):
        for cluster in clusters:
            head = cluster[0]
            if (head.name_normalised, head.state) == (row.name_normalised, row.state) and (
                _rough_km(head, row) <= SAME_PLACE_KM
            ):
                cluster.append(row)
                break
        else:
            clusters.append([row])
    if len(clusters) == 1:
        return clusters[0][0]
    choices = sorted((c[0] for c in clusters), key=lambda p: (p.locality, p.state, p.postcode))
    return Ambiguous(text=text, choices=choices[:MAX_CHOICES])


# Postcodes for post office boxes and large mail users; a street postcode is the better guess.
_MAIL_ONLY = ((1000, 1999), (5800, 5999), (6800, 6999), (7800, 7999), (8000, 8999), (9000, 9999))


def _preference(place: Place) -> tuple[bool, str]:
    number = int(place.postcode)
    return any(lo <= number <= hi for lo, hi in _MAIL_ONLY), place.postcode


def _rough_km(a: Place, b: Place) -> float:
    # Only to decide "same place or not": 1 degree is about 111 km; good enough at 30 km.
    return ((a.latitude - b.latitude) ** 2 + (a.longitude - b.longitude) ** 2) ** 0.5 * 111


def _similar(places, name: str) -> list[Place]:
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramSimilarity

        rows = list(
            places.annotate(similarity=TrigramSimilarity("name_normalised", name))
            .filter(similarity__gte=SIMILARITY_THRESHOLD)
            .order_by("-similarity", "locality")[: MAX_CHOICES * 3]
        )
        if not rows:
            return []
        best = rows[0].similarity
        # Keep the best name and any as good (a choice between equals), not every weaker match.
        return [r for r in rows if r.similarity >= best - 0.02]
    scored = [
        (difflib.SequenceMatcher(None, name, candidate).ratio(), candidate)
        for candidate in difflib.get_close_matches(name, _all_names(), n=5, cutoff=0.75)
    ]
    if not scored:
        return []
    best = scored[0][0]
    names = [candidate for ratio, candidate in scored if ratio >= best - 0.02]
    return list(places.filter(name_normalised__in=names)[:50])


def _all_names() -> list[str]:
    return _names_cached(Place.objects.count())


@lru_cache(maxsize=4)
def _names_cached(_row_count: int) -> list[str]:
    # Keyed by the row count so that a reloaded gazetteer is picked up.
    return sorted(set(Place.objects.values_list("name_normalised", flat=True)))
