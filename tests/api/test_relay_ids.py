"""`relay.uuid_of`: every id an integrator may send (a global id, or a raw UUID in any of its spellings) and
every malformed one, typed."""

from __future__ import annotations

import uuid

import pytest
from strawberry import relay

from civicledger.core.errors import InvalidInputError, NotFoundError
from civicledger.graphql.relay import uuid_of

VALUE = uuid.UUID("3f2b6d1e-9c4a-4e8b-8f1a-2b3c4d5e6f70")


@pytest.mark.parametrize("spelling", [str(VALUE), VALUE.hex, "{" + str(VALUE) + "}", VALUE.urn,
                                      str(VALUE).upper(), str(relay.GlobalID("Resident", str(VALUE)))])
def test_every_spelling_of_a_resident_id_is_read(spelling: str) -> None:
    assert uuid_of(spelling, "Resident") == VALUE


@pytest.mark.parametrize("bad", ["", "294", "x" * 36, str(VALUE).replace("3", "\uff13"), "\x00" * 32,
                                 str(VALUE)[:-1] + "g", "Zm9vOmJhcg", "🙂" * 9])
def test_a_malformed_id_is_invalid_input(bad: str) -> None:
    with pytest.raises(InvalidInputError):
        uuid_of(bad, "Resident")


def test_another_types_global_id_is_not_found() -> None:
    with pytest.raises(NotFoundError):
        uuid_of(str(relay.GlobalID("Household", str(VALUE))), "Resident")
