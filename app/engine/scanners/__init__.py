"""Opportunity scanners: pure, incremental, fee-aware and size-aware (see ``base``)."""

from app.engine.scanners.base import FundingSource, Scanner
from app.engine.scanners.basis import BasisScanner, BasisState
from app.engine.scanners.build import build_scanners
from app.engine.scanners.cross import CrossVenueScanner
from app.engine.scanners.cycles import CycleScanner
from app.engine.scanners.pairs import PairsScanner
from app.engine.scanners.triangular import TriangularScanner

__all__ = [
    "BasisScanner",
    "BasisState",
    "CrossVenueScanner",
    "CycleScanner",
    "FundingSource",
    "PairsScanner",
    "Scanner",
    "TriangularScanner",
    "build_scanners",
]
