"""The scanners a ``ScannersSettings`` asks for, over a set of instruments."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from app.core.instruments import Instrument, InstrumentKind
from app.engine.scanners.base import FundingSource, Scanner
from app.engine.scanners.basis import BasisScanner
from app.engine.scanners.cross import CrossVenueScanner
from app.engine.scanners.cycles import CycleScanner
from app.engine.scanners.pairs import PairsScanner
from app.engine.scanners.triangular import TriangularScanner
from app.runtime.scanner_settings import ScannersSettings

log = logging.getLogger(__name__)


def _ref(text: str) -> tuple[str, str]:
    venue, _, symbol = text.partition(":")
    return venue, symbol


def _known_pairs(
    settings: ScannersSettings, instruments: list[Instrument]
) -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """Configured pairs whose legs this market lists; the others are logged and left out (a
    settings file may name pairs of another market than the one running)."""
    known = {(i.venue, i.symbol) for i in instruments}
    pairs = []
    for spec in settings.pairs.pairs:
        legs = (_ref(spec.leg1), _ref(spec.leg2))
        missing = [f"{v}:{s}" for v, s in legs if (v, s) not in known]
        if missing:
            log.warning("pairs %s ~ %s left out: no instrument %s", spec.leg1, spec.leg2, missing)
        else:
            pairs.append(legs)
    return pairs


def build_scanners(
    settings: ScannersSettings,
    instruments: Iterable[Instrument],
    *,
    funding: FundingSource | None = None,
) -> list[Scanner]:
    """Enabled scanners that have something to watch, in the order cross, triangular, cycles,
    basis, pairs."""
    if not settings.enabled:
        return []
    insts = list(instruments)
    fee = settings.taker_fee_bps or None
    out: list[Scanner] = []
    if settings.cross.enabled:
        c = settings.cross
        out.append(CrossVenueScanner(insts, min_edge_bps=c.min_edge_bps, fee=fee, venues=c.venues))
    if settings.triangular.enabled:
        t = settings.triangular
        out.append(TriangularScanner(insts, min_edge_bps=t.min_edge_bps, fee=fee, venues=t.venues))
    if settings.cycles.enabled:
        y = settings.cycles
        out.append(
            CycleScanner(
                insts,
                max_len=y.max_len,
                min_edge_bps=y.min_edge_bps,
                fee=fee,
                venues=y.venues,
                cross_venue=y.cross_venue,
                max_results=y.max_results,
            )
        )
    if settings.basis.enabled:
        b = settings.basis
        out.append(
            BasisScanner(
                insts,
                entry_edge_bps=b.entry_edge_bps,
                exit_basis_bps=b.exit_basis_bps,
                min_annualized_bps=b.min_annualized_bps,
                fee=fee,
                venues=b.venues,
                cross_venue=b.cross_venue,
                derivatives=[InstrumentKind(k) for k in b.derivatives],
                reverse=b.reverse,
                quote_groups=b.quote_groups,
                funding=funding,
            )
        )
    pairs = _known_pairs(settings, insts) if settings.pairs.enabled else []
    if pairs:
        p = settings.pairs
        out.append(
            PairsScanner(
                insts,
                pairs,
                window=p.window,
                sample_interval_ms=p.sample_interval_ms,
                entry_z=p.entry_z,
                exit_z=p.exit_z,
                min_edge_bps=p.min_edge_bps,
                fee=fee,
            )
        )
    return [s for s in out if s.markets()]
