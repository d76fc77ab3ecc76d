#!/usr/bin/env python3
"""Build static/img/map-europe-north-america.svg from Natural Earth country shapes.

Input: the TopoJSON file ``countries-50m.json`` shipped by the npm package
``world-atlas`` 2.x (Natural Earth 1:50m Admin 0 countries, public domain). The
script decodes the TopoJSON itself (quantized, delta-encoded arcs); GeoJSON is
not accepted. Standard library only.

    python3 bin/build-map.py path/to/world-atlas/countries-50m.json \
        -o static/img/map-europe-north-america.svg

Layout: two insets side by side, North America (left) and Europe (right), each in
a spherical Lambert azimuthal equal-area projection with its own centre and scale.
Shared borders are simplified once per TopoJSON arc, so neighbours never gap.
Every country is one ``<path class="country" id="c-XX" data-code="XX">``; the 33
allies get a ``<text class="map-label" id="l-XX">`` anchor. No inline styles.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

EARTH_RADIUS_KM = 6371.0
DP_TOLERANCE = 0.3  # Douglas-Peucker tolerance, viewBox units
MIN_STEP = 0.5  # drop points closer than this to the previous kept one, viewBox units
MIN_RING_AREA = 0.6  # drop islands smaller than this (viewBox units^2), except a country's largest
GAP = 14.0  # viewBox units between the two insets

# Each inset: projection centre (lon, lat), the frame in projected kilometres
# (x west->east, y north->south), the inset's width in viewBox units, and a loose
# lon/lat window used only to skip countries that cannot reach the frame.
INSETS = [
    {
        "key": "north-america",
        "centre": (-97.0, 52.0),
        "frame_km": (-2700.0, -4150.0, 3500.0, 4640.0),  # x0, y0, x1, y1
        "width": 356.0,
        "window": (-180.0, 5.0, -10.0, 90.0),
    },
    {
        "key": "europe",
        "centre": (10.0, 52.0),
        "frame_km": (-1780.0, -2250.0, 3300.0, 1820.0),
        "width": 630.0,
        "window": (-35.0, 25.0, 75.0, 85.0),
    },
]
# A country goes to the North America inset when its largest ring lies west of this.
INSET_SPLIT_LON = -25.0

# ISO 3166-1 numeric -> alpha-2, for every country that can appear in either frame.
NUMERIC_TO_ALPHA2 = {
    4: "AF", 8: "AL", 12: "DZ", 20: "AD", 28: "AG", 31: "AZ", 40: "AT", 44: "BS",
    51: "AM", 52: "BB", 56: "BE", 60: "BM", 70: "BA", 76: "BR", 84: "BZ", 92: "VG",
    100: "BG", 112: "BY", 124: "CA", 136: "KY", 148: "TD", 170: "CO", 188: "CR",
    191: "HR", 192: "CU", 196: "CY", 203: "CZ", 208: "DK", 212: "DM", 214: "DO",
    222: "SV", 233: "EE", 234: "FO", 246: "FI", 248: "AX", 250: "FR", 268: "GE",
    275: "PS", 276: "DE", 292: "GI", 300: "GR", 304: "GL", 308: "GD", 320: "GT",
    328: "GY", 332: "HT", 340: "HN", 348: "HU", 352: "IS", 364: "IR", 368: "IQ",
    372: "IE", 376: "IL", 380: "IT", 388: "JM", 398: "KZ", 400: "JO", 414: "KW",
    422: "LB", 428: "LV", 434: "LY", 438: "LI", 440: "LT", 442: "LU", 466: "ML",
    470: "MT", 478: "MR", 484: "MX", 492: "MC", 498: "MD", 499: "ME", 500: "MS",
    504: "MA", 528: "NL", 531: "CW", 533: "AW", 534: "SX", 558: "NI", 562: "NE",
    578: "NO", 591: "PA", 616: "PL", 620: "PT", 630: "PR", 642: "RO", 643: "RU",
    652: "BL", 659: "KN", 660: "AI", 662: "LC", 663: "MF", 666: "PM", 670: "VC",
    674: "SM", 682: "SA", 688: "RS", 703: "SK", 705: "SI", 724: "ES", 732: "EH",
    740: "SR", 752: "SE", 756: "CH", 760: "SY", 780: "TT", 788: "TN", 792: "TR",
    795: "TM", 796: "TC", 804: "UA", 807: "MK", 818: "EG", 826: "GB", 831: "GG",
    832: "JE", 833: "IM", 840: "US", 850: "VI", 860: "UZ", 862: "VE",
}  # fmt: skip
# Shapes without a numeric id, matched by their Natural Earth name. Northern Cyprus
# has no ISO code and is drawn as part of Cyprus (its de jure status).
NAME_TO_ALPHA2 = {"Kosovo": "XK", "N. Cyprus": "CY"}

# The allies that get a label, and where labels need help. "at" is a lon/lat
# placed instead of the largest polygon's centroid; "shift" moves the label by
# (dx, dy) viewBox units so small neighbours do not sit on one another.
LABELLED = (
    "AL BE BG CA HR CZ DK EE FI FR DE GR HU IS IT LV LT LU ME NL MK NO PL PT RO SK SI ES "
    "TR GB US SE UA"
).split()
LABEL_HINTS = {
    "US": {"at": (-98.5, 39.5)},  # contiguous states, not Alaska
    "CA": {"at": (-108.0, 57.5)},  # west of Hudson Bay
    "NO": {"at": (9.3, 61.3)},  # southern Norway
    "SE": {"at": (15.2, 62.6)},
    "FI": {"at": (26.0, 62.8)},
    "HR": {"at": (15.8, 45.45)},
    "GR": {"at": (22.0, 39.6)},  # mainland
    "DK": {"at": (9.15, 56.1)},  # Jutland
    "FR": {"at": (2.4, 46.8)},  # metropolitan
    "GB": {"at": (-1.8, 52.7)},
    "IT": {"at": (12.4, 43.2)},
    "ES": {"at": (-3.6, 40.0)},
    "PT": {"at": (-8.1, 39.6)},
    "IS": {"at": (-18.6, 64.9)},
    "TR": {"at": (34.5, 39.0)},
    "UA": {"at": (31.5, 49.2)},
    "PL": {"at": (19.2, 52.1)},
    "DE": {"at": (10.3, 51.1)},
    "NL": {"at": (5.6, 52.3), "shift": (-2.0, -2.0)},
    "BE": {"at": (4.6, 50.65), "shift": (-3.0, 0.0)},
    "LU": {"at": (6.1, 49.75), "shift": (2.0, 3.5)},
    "SI": {"at": (14.8, 46.1), "shift": (-2.0, -1.0)},
    "ME": {"at": (19.25, 42.8), "shift": (-4.0, 0.0)},
    "AL": {"at": (20.05, 41.1), "shift": (-3.0, 0.0)},
    "MK": {"at": (21.7, 41.6), "shift": (2.0, 0.0)},
    "BG": {"at": (25.3, 42.7)},
    "RO": {"at": (24.9, 45.9)},
    "HU": {"at": (19.4, 47.1)},
    "SK": {"at": (19.6, 48.7)},
    "CZ": {"at": (15.4, 49.8)},
    "EE": {"at": (25.7, 58.7)},
    "LV": {"at": (25.6, 56.85)},
    "LT": {"at": (23.9, 55.3)},
}
LABEL_BOX = (11.0, 7.0)  # rough width/height of a two-letter 9px label, for the overlap check


# --- TopoJSON ------------------------------------------------------------------------------


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Absolute lon/lat points of every arc (undo quantization and delta encoding)."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            points = []
            for dx, dy in arc:
                x += dx
                y += dy
                points.append((x * sx + tx, y * sy + ty))
        else:
            points = [(float(p[0]), float(p[1])) for p in arc]
        arcs.append(points)
    return arcs


def polygons_of(geometry: dict) -> list[list[list[int]]]:
    """Polygons as lists of rings, each ring a list of arc indexes (~i = arc i reversed)."""
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


def ring_points(ring: list[int], arcs: list[list[tuple[float, float]]]) -> list:
    points: list = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def alpha2_of(geometry: dict) -> str | None:
    name = (geometry.get("properties") or {}).get("name", "")
    if name in NAME_TO_ALPHA2:
        return NAME_TO_ALPHA2[name]
    raw = geometry.get("id")
    if raw is None or not str(raw).lstrip("-").isdigit():
        return None
    return NUMERIC_TO_ALPHA2.get(int(raw), f"?{int(raw)}")


# --- geometry ------------------------------------------------------------------------------


def laea(lon: float, lat: float, centre: tuple[float, float]) -> tuple[float, float]:
    """Spherical Lambert azimuthal equal-area, kilometres, y growing southward (SVG)."""
    lam, phi = math.radians(lon), math.radians(lat)
    lam0, phi0 = math.radians(centre[0]), math.radians(centre[1])
    cos_c = math.sin(phi0) * math.sin(phi) + math.cos(phi0) * math.cos(phi) * math.cos(lam - lam0)
    k = math.sqrt(2.0 / max(1.0 + cos_c, 1e-12))
    x = k * math.cos(phi) * math.sin(lam - lam0)
    y = k * (math.cos(phi0) * math.sin(phi) - math.sin(phi0) * math.cos(phi) * math.cos(lam - lam0))
    return x * EARTH_RADIUS_KM, -y * EARTH_RADIUS_KM


def ring_area(points: list) -> float:
    """Signed shoelace area."""
    total = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
        total += x0 * y1 - x1 * y0
    return total / 2.0


def ring_centroid(points: list) -> tuple[float, float]:
    area = ring_area(points)
    if abs(area) < 1e-9:
        xs, ys = zip(*points, strict=True)
        return sum(xs) / len(xs), sum(ys) / len(ys)
    cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    return cx / (6.0 * area), cy / (6.0 * area)


def point_in_ring(x: float, y: float, points: list) -> bool:
    inside = False
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def douglas_peucker(points: list, tolerance: float) -> list:
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy)
        worst, worst_i = 0.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            if length == 0:
                dist = math.hypot(px - ax, py - ay)
            else:
                dist = abs(dy * (px - ax) - dx * (py - ay)) / length
            if dist > worst:
                worst, worst_i = dist, i
        if worst > tolerance:
            keep[worst_i] = True
            stack.extend([(first, worst_i), (worst_i, last)])
    return [p for p, k in zip(points, keep, strict=True) if k]


def simplify_arc(points: list) -> list:
    """Simplify one arc, keeping its end points so that neighbours stay joined."""
    if len(points) > 3 and points[0] == points[-1]:
        # A closed arc (an island): split at its farthest point so both halves have a chord.
        far = max(range(len(points)), key=lambda i: math.dist(points[0], points[i]))
        kept = douglas_peucker(points[: far + 1], DP_TOLERANCE)[:-1]
        kept += douglas_peucker(points[far:], DP_TOLERANCE)
    else:
        kept = douglas_peucker(points, DP_TOLERANCE)
    thinned = [kept[0]]
    for p in kept[1:-1]:
        if math.dist(p, thinned[-1]) >= MIN_STEP:
            thinned.append(p)
    thinned.append(kept[-1])
    return thinned


def clip_ring(points: list, x0: float, y0: float, x1: float, y1: float) -> list:
    """Sutherland-Hodgman clip of a ring to an axis-aligned rectangle."""
    edges = [
        (
            lambda p: p[0] >= x0,
            lambda a, b: (x0, a[1] + (b[1] - a[1]) * (x0 - a[0]) / (b[0] - a[0])),
        ),
        (
            lambda p: p[0] <= x1,
            lambda a, b: (x1, a[1] + (b[1] - a[1]) * (x1 - a[0]) / (b[0] - a[0])),
        ),
        (
            lambda p: p[1] >= y0,
            lambda a, b: (a[0] + (b[0] - a[0]) * (y0 - a[1]) / (b[1] - a[1]), y0),
        ),
        (
            lambda p: p[1] <= y1,
            lambda a, b: (a[0] + (b[0] - a[0]) * (y1 - a[1]) / (b[1] - a[1]), y1),
        ),
    ]
    for inside, cross in edges:
        if not points:
            break
        out = []
        prev = points[-1]
        for cur in points:
            if inside(cur):
                if not inside(prev):
                    out.append(cross(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cross(prev, cur))
            prev = cur
        points = out
    return points


# --- output --------------------------------------------------------------------------------


def tenths(value: float) -> int:
    return int(math.floor(value * 10.0 + 0.5))


def fmt_tenths(n: int) -> str:
    sign, n = ("-" if n < 0 else ""), abs(n)
    whole, frac = divmod(n, 10)
    if frac == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole if whole else ''}.{frac}"


def path_data(rings: list) -> str:
    """Relative path data from rings of points already rounded to integer tenths.

    After ``z`` the current point is the start of the ring just closed, so each ring's
    ``m`` is relative to the previous ring's first point.
    """
    text = ""
    origin = (0, 0)
    for ring in rings:
        prev = origin
        for i, (x, y) in enumerate(ring):
            for n, number in enumerate((fmt_tenths(x - prev[0]), fmt_tenths(y - prev[1]))):
                if i == 0 and n == 0:
                    text += "m" + number
                elif number.startswith("-"):
                    text += number
                else:
                    text += " " + number
            prev = (x, y)
        text += "z"
        origin = ring[0]
    return text


def rounded_ring(points: list) -> list:
    ring = []
    for x, y in points:
        p = (tenths(x), tenths(y))
        if not ring or p != ring[-1]:
            ring.append(p)
    while len(ring) > 1 and ring[0] == ring[-1]:
        ring.pop()
    return ring


def build(topology: dict) -> tuple[str, dict]:
    arcs = decode_arcs(topology)
    geometries = topology["objects"]["countries"]["geometries"]

    # Group the shapes by alpha-2 code (Northern Cyprus joins Cyprus) and pick an inset.
    countries: dict[str, list] = {}
    names: dict[str, str] = {}
    for geometry in geometries:
        code = alpha2_of(geometry)
        polygons = polygons_of(geometry)
        if code is None or not polygons:
            continue
        countries.setdefault(code, []).extend((geometry, poly) for poly in polygons)
        names.setdefault(code, geometry.get("properties", {}).get("name", code))

    height = None
    layout = []
    x_offset = 0.0
    for inset in INSETS:
        fx0, fy0, fx1, fy1 = inset["frame_km"]
        scale = inset["width"] / (fx1 - fx0)
        inset_height = (fy1 - fy0) * scale
        height = inset_height if height is None else max(height, inset_height)
        layout.append((inset, scale, x_offset, inset_height))
        x_offset += inset["width"] + GAP
    width = x_offset - GAP

    paths: dict[str, tuple[str, list]] = {}  # code -> (inset key, rings in viewBox units)
    labels: dict[str, tuple[float, float]] = {}
    unknown = []
    for inset, scale, ox, inset_height in layout:
        fx0, fy0, fx1, fy1 = inset["frame_km"]
        oy = (height - inset_height) / 2.0
        wx0, wy0, wx1, wy1 = inset["window"]

        def project(lon, lat, inset=inset, scale=scale, ox=ox, oy=oy, fx0=fx0, fy0=fy0):
            x, y = laea(lon, lat, inset["centre"])
            return (x - fx0) * scale + ox, (y - fy0) * scale + oy

        projected_arcs: dict[int, list] = {}

        def arc(index, project=project, projected_arcs=projected_arcs):
            i = index if index >= 0 else ~index
            if i not in projected_arcs:
                projected_arcs[i] = simplify_arc([project(lon, lat) for lon, lat in arcs[i]])
            return projected_arcs[i] if index >= 0 else projected_arcs[i][::-1]

        for code, parts in sorted(countries.items()):
            lonlat_rings = [ring_points(poly[0], arcs) for _, poly in parts]
            largest = max(lonlat_rings, key=lambda r: abs(ring_area(r)))
            west = ring_centroid(largest)[0] < INSET_SPLIT_LON
            if west != (inset["key"] == "north-america"):
                continue
            lons = [p[0] for r in lonlat_rings for p in r]
            lats = [p[1] for r in lonlat_rings for p in r]
            if max(lons) < wx0 or min(lons) > wx1 or max(lats) < wy0 or min(lats) > wy1:
                continue
            rings = []
            for _, poly in parts:
                for ring in poly:
                    points: list = []
                    for index in ring:
                        piece = arc(index)
                        points.extend(piece if not points else piece[1:])
                    clipped = clip_ring(points, ox, oy, ox + inset["width"], oy + inset_height)
                    if len(clipped) >= 3:
                        rings.append(clipped)
            rings = [r for r in rings if abs(ring_area(r)) > 1e-6]
            if not rings:
                continue
            if code.startswith("?"):
                unknown.append(f"{code[1:]} {names[code]}")
                continue
            biggest = max(rings, key=lambda r: abs(ring_area(r)))
            kept = [r for r in rings if r is biggest or abs(ring_area(r)) >= MIN_RING_AREA]
            kept = [rounded_ring(r) for r in kept]
            kept = [r for r in kept if len(r) >= 3]
            if not kept:
                continue
            paths[code] = (inset["key"], kept)
            if code in LABELLED:
                hint = LABEL_HINTS.get(code, {})
                if "at" in hint:
                    lx, ly = project(*hint["at"])
                else:
                    lx, ly = ring_centroid(biggest)
                dx, dy = hint.get("shift", (0.0, 0.0))
                labels[code] = (lx + dx, ly + dy)
    if unknown:
        sys.exit(
            "no alpha-2 code for shapes in frame (add to NUMERIC_TO_ALPHA2): " + ", ".join(unknown)
        )

    missing = [c for c in LABELLED if c not in paths or c not in labels]
    if missing:
        sys.exit("labelled countries missing from the map: " + " ".join(missing))

    lines = [
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 '
        f'{fmt_tenths(tenths(width))} {fmt_tenths(tenths(height))}" width="100%" '
        'role="img" aria-labelledby="map-title map-desc" class="allies-map">',
        '<title id="map-title">Map of Europe and North America</title>',
        '<desc id="map-desc">Country outlines from Natural Earth (public domain), 1:50m, '
        "in two Lambert azimuthal equal-area insets: North America and Europe.</desc>",
    ]
    for inset, *_ in layout:
        lines.append(f'<g class="map-inset" id="inset-{inset["key"]}">')
        for code in sorted(c for c, (key, _) in paths.items() if key == inset["key"]):
            d = path_data(paths[code][1])
            lines.append(f'<path class="country" id="c-{code}" data-code="{code}" d="{d}"/>')
        lines.append("</g>")
    divider_x = fmt_tenths(tenths(layout[0][0]["width"] + GAP / 2.0))
    lines.append(
        f'<line class="map-inset-divider" x1="{divider_x}" y1="0" x2="{divider_x}" '
        f'y2="{fmt_tenths(tenths(height))}"/>'
    )
    lines.append('<g class="map-labels">')
    for code in LABELLED:
        x, y = labels[code]
        lines.append(
            f'<text class="map-label" id="l-{code}" x="{fmt_tenths(tenths(x))}" '
            f'y="{fmt_tenths(tenths(y))}" dy=".35em" text-anchor="middle">{code}</text>'
        )
    lines.append("</g>")
    lines.append("</svg>")
    return "\n".join(lines) + "\n", {"paths": paths, "labels": labels}


def check_labels(info: dict) -> list[str]:
    """Warnings: labels off their country, and labels whose boxes overlap."""
    warnings = []
    for code, (x, y) in info["labels"].items():
        rings = info["paths"][code][1]
        if not any(point_in_ring(x * 10, y * 10, r) for r in rings):
            warnings.append(f"label {code} is outside its country (shifted on purpose?)")
    w, h = LABEL_BOX
    items = sorted(info["labels"].items())
    for i, (a, (ax, ay)) in enumerate(items):
        for b, (bx, by) in items[i + 1 :]:
            if abs(ax - bx) < w and abs(ay - by) < h:
                warnings.append(f"labels {a} and {b} overlap")
    return warnings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("topojson", type=Path, help="world-atlas countries-50m.json (TopoJSON)")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "static/img/map-europe-north-america.svg",
    )
    args = parser.parse_args()
    topology = json.loads(args.topojson.read_text(encoding="utf-8"))
    if topology.get("type") != "Topology" or "countries" not in topology.get("objects", {}):
        sys.exit("expected a TopoJSON Topology with a 'countries' object (world-atlas 2.x)")
    svg, info = build(topology)
    for warning in check_labels(info):
        print("warning:", warning, file=sys.stderr)
    args.output.write_text(svg, encoding="utf-8")
    print(
        f"wrote {args.output} ({len(svg.encode()) / 1024:.1f} KiB, {len(info['paths'])} countries)"
    )


if __name__ == "__main__":
    main()
