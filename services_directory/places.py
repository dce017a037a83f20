"""Everything about places: postcodes, locality names, states and their time zones.

`resolve_place(text)` turns what a visitor typed ("3121", "Richmond", "richmnd vic", "Parramatta 2150")
into a Place, an Ambiguous choice or NotFound, using only the local gazetteer (no network at request
time). Typos are tolerated with pg_trgm similarity on PostgreSQL and difflib on SQLite.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connection

from services_directory.models import STATE_NAMES, STATES, Place

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
        return NotFound(text=text, reason="empty")
    if postcode and not is_valid_postcode(postcode):
        return NotFound(text=text, reason="postcode")
    places = Place.objects.all()
    if state:
        places = places.filter(state=state)
    if not name:
        return _postcode_place(places, postcode, text)
    exact = list(places.filter(name_normalised=name, **({"postcode": postcode} if postcode else {}))[:500])
    if not exact and postcode:
        # "Richmond 3000": trust the name over a mistyped postcode.
        exact = list(places.filter(name_normalised=name)[:500])
    if exact:
        return _one_or_choice(exact, text)
    similar = _similar(places, name)
    if not similar:
        return NotFound(text=text, reason="name")
    return _one_or_choice(similar, text)


def _postcode_place(places, postcode: str, text: str) -> Place | NotFound:
    """A postcode stands for the centre of its localities, in the state most of them are in."""
    rows = list(places.filter(postcode=postcode).order_by("locality")[:200])
    if not rows:
        return NotFound(text=text, reason="postcode")
    state = Counter(r.state for r in rows).most_common(1)[0][0]
    in_state = [r for r in rows if r.state == state]
    first = in_state[0]
    names = _main_localities([r.locality for r in in_state])
    return Place(
        pk=first.pk,
        postcode=postcode,
        locality=", ".join(names[:3]) + (" and nearby" if len(names) > 3 else ""),
        state=state,
        latitude=sum(r.latitude for r in in_state) / len(in_state),
        longitude=sum(r.longitude for r in in_state) / len(in_state),
        name_normalised=first.name_normalised,
    )


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
