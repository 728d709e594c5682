"""The metadata every command carries is bounded where every transport makes it: a `CommandContext`."""

from __future__ import annotations

import pytest

from civicledger.core.errors import InvalidInputError
from civicledger.core.metadata import IDEMPOTENCY_KEY_MAX, ORIGIN_MAX, Actor, CommandContext
from civicledger.core.text import REASON_MAX

CASEWORKER_LI = Actor(id="cw-li", role="caseworker", office="HAIZHU-JIANGHAI-STATION", district="HAIZHU")


def test_a_reason_is_cleaned_free_text() -> None:
    ctx = CommandContext(actor=CASEWORKER_LI, reason="  家访核实\r\n情况属实 ")

    assert ctx.reason == "家访核实\n情况属实"
    assert CommandContext(actor=CASEWORKER_LI, reason="   ").reason is None


@pytest.mark.parametrize("reason", ["x" * (REASON_MAX + 1), "x" * 1_000_000, "a\x00b", "a\x1bb", "a\u202eb"],
                         ids=["one too long", "one megabyte", "nul", "escape", "bidi override"])
def test_a_reason_over_the_limit_or_with_control_characters_is_refused(reason: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        CommandContext(actor=CASEWORKER_LI, reason=reason)

    assert error.value.details["field"] == "reason"
    assert error.value.details["maxLength"] == REASON_MAX


def test_a_reason_given_later_is_bounded_too() -> None:
    ctx = CommandContext(actor=CASEWORKER_LI)

    with pytest.raises(InvalidInputError):
        ctx.with_reason("x" * (REASON_MAX + 1))


@pytest.mark.parametrize("key", ["k" * (IDEMPOTENCY_KEY_MAX + 1), "with space", "tab\tkey", "nul\x00", "键-1",
                                 "ｋｅｙ", ""],
                         ids=["too long", "space", "tab", "nul", "chinese", "full-width", "empty"])
def test_an_idempotency_key_is_bounded_visible_ascii(key: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        CommandContext(actor=CASEWORKER_LI, idempotency_key=key)

    assert error.value.details == {"field": "idempotencyKey", "maxLength": IDEMPOTENCY_KEY_MAX}


def test_the_keys_clients_and_processes_use_are_accepted() -> None:
    for key in ("platform-req-8841", "intake-2018-0042", "k" * IDEMPOTENCY_KEY_MAX,
                "linkage:7f0c2d1e-0000-4000-8000-000000000001:apply:1", "sla:x:ACCEPT:1"):
        assert CommandContext(actor=CASEWORKER_LI, idempotency_key=key).idempotency_key == key


def test_a_part_of_a_keyed_command_gets_a_bounded_deterministic_key() -> None:
    short = CommandContext(actor=CASEWORKER_LI, idempotency_key="finance-2018-04")
    long = CommandContext(actor=CASEWORKER_LI, idempotency_key="k" * IDEMPOTENCY_KEY_MAX)
    part = "5f1e0c7a-0000-4000-8000-000000000042"

    assert short.keyed_for(part).idempotency_key == f"finance-2018-04:{part}"
    derived = long.keyed_for(part).idempotency_key
    assert derived is not None and len(derived) <= IDEMPOTENCY_KEY_MAX and derived.endswith(part)
    assert long.keyed_for(part).idempotency_key == derived  # a retry replays the same part
    assert CommandContext(actor=CASEWORKER_LI).keyed_for(part).idempotency_key is None


def test_an_origin_is_sanitised_and_truncated_not_refused() -> None:
    ctx = CommandContext(actor=CASEWORKER_LI, origin="graphql:\x00127.0.0.1\u202e" + "x" * 10_000)

    assert ctx.origin is not None and len(ctx.origin) == ORIGIN_MAX
    assert ctx.origin.startswith("graphql:127.0.0.1xx")
