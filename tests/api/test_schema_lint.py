"""The schema documents itself (`civicledger/graphql/lint.py`): the lint passes on the real schema with its
known gaps, and it catches each kind of gap on a schema made to have them."""

from __future__ import annotations

import enum
from pathlib import Path

import pytest
import strawberry
from strawberry import relay

from civicledger.graphql import lint
from civicledger.graphql.conventions import describe_conventions
from civicledger.graphql.schema import build_schema
from civicledger.settings import Settings


def test_the_schema_has_no_gap_beyond_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert lint.main([]) == 0, capsys.readouterr().err
    assert "no new gaps" in capsys.readouterr().out


def test_what_integrators_touch_first_is_fully_described() -> None:
    """Every query, mutation and subscription and every argument of them is described, and every connection
    states its page limit: no known gap there may be added either."""
    found = lint.current_gaps()
    roots = [g for g in found if g.startswith("description:")
             and g.split(":", 1)[1].startswith(("Query.", "Mutation.", "Subscription."))]
    assert roots == [], roots
    assert [g for g in found if g.startswith(("page-limit:", "connection-args:", "stale-allowance:"))] == []


def test_every_list_that_can_grow_is_a_connection() -> None:
    """Issue 13, item 5: no `list:` gap is left, not even a known one; a small closed list is in `SMALL_LISTS`
    with the rule that closes it."""
    assert [g for g in lint.current_gaps() if g.startswith("list:")] == []
    assert not [g for g in lint.read_known() if g.startswith("list:")]


def test_the_known_list_is_what_the_lint_finds_today() -> None:
    """`lint_known.txt` lists only gaps that still exist: describing one means regenerating the list."""
    assert lint.read_known() <= set(lint.current_gaps())


@strawberry.enum(description="Colours.")
class Colour(enum.Enum):
    RED = "RED"
    GREEN = strawberry.enum_value("GREEN", description="Go.")


@strawberry.type(description="A thing on a page.")
class ThingEdge:
    cursor: str
    node: str


@strawberry.type
class ThingConnection:
    edges: list[ThingEdge]
    page_info: relay.PageInfo


@strawberry.type(description="The root.")
class Query:
    @strawberry.field(description="Things, paged.")
    def things(self, first: int = 20, after: str | None = None) -> ThingConnection:
        raise NotImplementedError

    @strawberry.field(description="Things without a limit stated, and no `after`.")
    def loose_things(self, first: int = 20) -> ThingConnection:
        raise NotImplementedError

    @strawberry.field(description="A list that grows.")
    def everything(self) -> list[str]:
        raise NotImplementedError

    @strawberry.field
    def undescribed(self, colour: Colour) -> str:
        raise NotImplementedError

    @strawberry.field(description="Closed and small.")
    def projection_status(self) -> list[str]:
        raise NotImplementedError


def test_each_kind_of_gap_is_caught() -> None:
    schema = strawberry.Schema(query=Query)
    describe_conventions(schema._schema)
    found = set(lint.gaps(schema._schema))
    assert "description:Query.undescribed" in found
    assert "description:Query.undescribed(colour)" in found
    assert "description:Colour.RED" in found and "description:Colour.GREEN" not in found
    assert "description:Colour" not in found
    assert "list:Query.everything" in found
    assert "list:Query.projectionStatus" not in found  # allowed: SMALL_LISTS, with its reason
    assert "page-limit:Query.things" in found and "page-limit:Query.looseThings" in found
    assert "connection-args:Query.looseThings" in found and "connection-args:Query.things" not in found
    # The Relay plumbing and the conventional arguments are described once, by the conventions.
    assert not {g for g in found if "ThingConnection" in g or "ThingEdge" in g}
    assert "description:Query.things(first)" not in found and "description:Query.things(after)" not in found
    # An allowance for a field the schema no longer has is itself reported.
    assert "stale-allowance:Query.caseworkServices" in found


def test_a_new_gap_fails_and_a_known_one_does_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    known = tmp_path / "known.txt"
    today = lint.current_gaps()  # none left (issue 13, item 5): a gap that appears is simulated
    monkeypatch.setattr(lint, "known_path", lambda: known)
    lint.write_known(today)
    assert lint.main([]) == 0
    appeared = "list:Referral.somethingThatGrows"
    monkeypatch.setattr(lint, "current_gaps", lambda: sorted([*today, appeared]))
    capsys.readouterr()
    assert lint.main([]) == 1
    assert appeared in capsys.readouterr().err
    monkeypatch.setattr(lint, "current_gaps", lambda: today)
    lint.write_known([*today, "description:Query.gone"])  # a known gap that was fixed: reported, not failed
    assert lint.main([]) == 0
    assert "description:Query.gone" in capsys.readouterr().out


def test_descriptions_in_code_win_over_the_conventions() -> None:
    schema = build_schema(Settings(master_key=bytes(32)))._schema
    timeline = schema.type_map["Resident"].fields["timeline"]  # type: ignore[union-attr]
    assert timeline.description.startswith("At most 200 per page")
    payload = schema.type_map["ResidentPayload"].fields["version"]  # type: ignore[union-attr]
    assert payload.description == "The resident's version after the command."
