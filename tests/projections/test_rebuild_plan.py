"""`rebuild --processes N` splits the read models by cost (`civicledger.rebuild.plan`): every read model in exactly
one group, and the busiest process with less work than one process alone and than the split by weight."""

from __future__ import annotations

from civicledger.domains.residents.household import Household
from civicledger.domains.residents.resident import Resident
from civicledger.programs import read_models
from civicledger.projections.base import topics_of
from civicledger.rebuild import group_costs, partition, plan


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
