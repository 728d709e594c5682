"""`rebuild --processes N` splits the read models by cost (`civicledger.rebuild.plan`): every read model in exactly
one group, and the busiest process with less work than one process alone and than the split by weight; the
append-only read models by ranges of the log (`split`): every position in exactly one process's range."""

from __future__ import annotations

import itertools

from civicledger.domains.residents.household import Household
from civicledger.domains.residents.resident import Resident
from civicledger.programs import read_models
from civicledger.projections.base import splittable, topics_of
from civicledger.rebuild import group_costs, partition, plan, split


def log_mix() -> dict[str, tuple[int, int]]:
    """Every topic some read model wants, 1,000 events of 300 bytes each; registrations and household
    changes ten times as many (the demo's shape: the registry dominates)."""
    projections = read_models(None)  # type: ignore[arg-type]
    topics = {t for p in projections if p.topics for t in p.topics}
    heavy = topics_of(Resident.Registered, Household.Established, Household.MemberAdded)
    return {t: (10_000 if t in heavy else 1_000, 3_000_000 if t in heavy else 300_000) for t in topics}


def test_every_read_model_is_rebuilt_by_exactly_one_process() -> None:
    projections = read_models(None)  # type: ignore[arg-type]
    names = sorted(p.name for p in projections)
    for groups in (1, 2, 3, 8):
        split = plan(projections, groups, log_mix())
        assert sorted(n for group in split for n in group) == names
        assert 1 <= len(split) <= groups and all(split)


def test_the_busiest_process_has_less_work_than_with_the_split_by_weight() -> None:
    projections = read_models(None)  # type: ignore[arg-type]
    mix = log_mix()
    cost = group_costs(projections, mix)
    everything = cost([p.name for p in projections])

    planned = [cost(group) for group in plan(projections, 2, mix)]
    by_weight = [cost(group) for group in partition([p.name for p in projections], 2)]

    # Two processes each do less than one would, and the busier of them less than under the weight split
    # (which gives both processes read models of every heavy topic: both decode nearly the whole log).
    assert max(planned) < 0.75 * everything
    assert max(planned) < max(by_weight)


def mix_by_range(ranges: int = 16) -> tuple[int, list[dict[str, tuple[int, int]]]]:
    """`log_mix`'s shape: the log in ranges of 1,000 positions, each with the mix of `log_mix` scaled down."""
    per_range = {t: (max(1, n // 100), max(1, size // 100)) for t, (n, size) in log_mix().items()}
    return 1_000, [dict(per_range) for _ in range(ranges)]


def test_a_split_rebuild_writes_every_position_of_the_splittable_read_models_exactly_once() -> None:
    projections = read_models(None)  # type: ignore[arg-type]
    width, mix = mix_by_range()
    upto = 15_500  # the last range is not full
    splittable_names = {p.name for p in projections if splittable(p)}
    assert {"client_timeline", "audit_log"} <= splittable_names

    for groups in (2, 3):
        parts = split(projections, groups, width, mix, upto)

        whole = sorted(n for part in parts for n in part.names)
        assert whole == sorted(p.name for p in projections if p.name not in splittable_names)
        for name in splittable_names:
            spans = sorted(part.ranges[name] for part in parts if name in part.ranges)
            assert spans[0][0] == 0 and spans[-1][1] == upto
            assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))  # contiguous, no overlap
            assert all(after < until for after, until in spans)
        assert len(parts) <= groups and len([p for p in parts if p.ranges]) >= 2  # the log is shared out


def test_a_read_model_with_personal_columns_is_never_split() -> None:
    projections = read_models(None)  # type: ignore[arg-type]
    width, mix = mix_by_range()

    parts = split(projections, 2, width, mix, 16_000)

    holders = {p.name for p in projections if p.personal_columns}
    assert holders and not holders & {n for part in parts for n in part.ranges}
