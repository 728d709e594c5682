"""Small pieces on their own: Merkle proofs (against RFC 9162's recursive definition), the effective-dating
schedule, and the inspection package's boundaries."""

from __future__ import annotations

import hashlib
from datetime import date

from civicledger.core.effective import Schedule
from civicledger.inspection import merkle
from civicledger.inspection.checkpoints import gaps_between
from tests.test_schema_and_boundaries import ROOT, imports_of


def rfc_root(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + rfc_root(leaves[:k]) + rfc_root(leaves[k:])).digest()


def test_every_leaf_of_every_tree_size_is_proven_and_no_other_leaf_is() -> None:
    for size in [*range(1, 40), 255, 256, 257]:
        leaves = [hashlib.sha256(f"{size}:{i}".encode()).digest() for i in range(size)]
        tree = merkle.levels(leaves)

        assert tree[-1][0] == rfc_root(leaves), size
        for i, leaf in enumerate(leaves):
            path = merkle.inclusion_path(tree, i)
            assert merkle.verify_inclusion(leaf, i, size, path, tree[-1][0]), (size, i)
            assert size == 1 or not merkle.verify_inclusion(leaves[(i + 1) % size], i, size, path, tree[-1][0])


def test_gaps_are_the_positions_without_an_event() -> None:
    assert gaps_between(10, 20, [11, 12, 15, 16, 19]) == ((13, 14), (17, 18), (20, 20))
    assert gaps_between(0, 3, [1, 2, 3]) == ()


def test_a_schedule_answers_what_was_in_force_on_a_date() -> None:
    schedule = Schedule()
    schedule.set(date(2018, 1, 1), {"monthlyYuan": 900})
    schedule.set(date(2018, 7, 1), {"monthlyYuan": 950})

    assert schedule.in_force_on(date(2017, 12, 31)) is None
    assert schedule.in_force_on(date(2018, 6, 30)) == {"effectiveFrom": date(2018, 1, 1),
                                                      "effectiveUntil": date(2018, 7, 1), "monthlyYuan": 900}
    assert schedule.in_force_on(date(2019, 1, 1))["monthlyYuan"] == 950  # type: ignore[index]


def test_the_inspection_package_imports_nothing_from_graphql() -> None:
    forbidden = ("civicledger.graphql", "strawberry", "starlette")
    offenders = {
        str(path.relative_to(ROOT)): sorted(i for i in imports_of(path) if i.startswith(forbidden))
        for path in (ROOT / "civicledger" / "inspection").rglob("*.py")
    }

    assert {k: v for k, v in offenders.items() if v} == {}
