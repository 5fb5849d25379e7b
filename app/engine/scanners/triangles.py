"""Every triangle of markets on one venue: three markets that join three assets in a ring.

Found once from the instruments. Each triangle gives two directed paths (both ways round), each
starting at the triangle's best-ranked asset (``chain.asset_rank``).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from app.engine.scanners.spot_book import SpotBook


@dataclass(frozen=True, slots=True)
class DirectedPath:
    venue: str
    steps: tuple[int, ...]  # rate indexes (see spot_book)
    assets: tuple[str, ...]  # start asset, then the asset after each step (ends at the start)

    @property
    def markets(self) -> tuple[int, ...]:
        return tuple(r >> 1 for r in self.steps)


def find_triangles(book: SpotBook) -> list[tuple[int, int, int]]:
    """Market index triples (sorted) of every triangle on one venue, in a stable order."""
    # (venue, asset) -> neighbour asset -> markets joining them
    links: dict[tuple[str, str], dict[str, list[int]]] = {}
    for m, spec in enumerate(book.specs):
        if spec.base == spec.quote:
            continue
        links.setdefault((spec.venue, spec.base), {}).setdefault(spec.quote, []).append(m)
        links.setdefault((spec.venue, spec.quote), {}).setdefault(spec.base, []).append(m)
    found: set[tuple[int, int, int]] = set()
    for m, spec in enumerate(book.specs):
        a, b = spec.base, spec.quote
        if a == b:
            continue
        near_a = links[(spec.venue, a)]
        near_b = links[(spec.venue, b)]
        smaller, other = (near_a, near_b) if len(near_a) <= len(near_b) else (near_b, near_a)
        for c, first in smaller.items():
            if c in (a, b) or c not in other:
                continue
            for m2 in first:
                for m3 in other[c]:
                    tri = sorted((m, m2, m3))
                    found.add((tri[0], tri[1], tri[2]))
    return sorted(found)


def directed_paths(
    book: SpotBook, triangle: tuple[int, int, int], rank: dict[str, int]
) -> tuple[DirectedPath, DirectedPath]:
    """Both directions round ``triangle``, each from its best-ranked asset."""
    specs = book.specs
    assets = {specs[m].base for m in triangle} | {specs[m].quote for m in triangle}
    start, x, y = sorted(assets, key=lambda asset: (rank[asset], asset))

    def joining(u: str, v: str) -> int:
        for m in triangle:
            if {specs[m].base, specs[m].quote} == {u, v}:
                return m
        raise ValueError(f"no market joins {u} and {v} in {triangle}")  # pragma: no cover

    def path(order: tuple[str, str, str]) -> DirectedPath:
        ring = (*order, order[0])
        steps = tuple(book.rate_index(joining(u, v), u) for u, v in pairwise(ring))
        return DirectedPath(specs[triangle[0]].venue, steps, ring)

    return path((start, x, y)), path((start, y, x))
