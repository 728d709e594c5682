"""Small statistics for interleaved repetitions: medians, percentiles, paired ratios and their spread."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile, q in [0, 100]."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100.0
    lo, hi = math.floor(rank), math.ceil(rank)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)


def summary(values: Sequence[float]) -> dict[str, Any]:
    """Median with its spread: min, max and the relative half-range around the median."""
    if not values:
        return {"median": None, "min": None, "max": None, "n": 0, "spread_pct": None}
    m = statistics.median(values)
    lo, hi = min(values), max(values)
    spread = (hi - lo) / 2 / m * 100 if m else None
    return {"median": m, "min": lo, "max": hi, "n": len(values), "spread_pct": spread}


def paired_ratio(numerators: Sequence[float], denominators: Sequence[float]) -> dict[str, Any]:
    """Ratio per repetition (A_i / B_i of the same interleaved round), then their median and spread.

    Pairing rounds cancels slow drifts of the machine (other jobs, table growth) that hit both sides."""
    ratios = [a / b for a, b in zip(numerators, denominators, strict=False) if a is not None and b]
    return summary(ratios)


def rounded(value: Any, digits: int = 3) -> Any:
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        if abs(value) >= 100:
            return round(value, 1)
        return round(value, digits)
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(v, digits) for v in value]
    return value
