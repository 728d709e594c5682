"""Cleaning of every text a person or a client sends: names, phone numbers, addresses and free text. One
module, used by every program, so that one rule holds everywhere (DESIGN §3, Every request is bounded).

Two shapes of text:

- `line` — one line: a name, a title, a community, a reference, an office or staff id. NFC-normalised,
  trimmed, runs of whitespace (also the ideographic space U+3000 and no-break spaces) collapsed to one space.
  Refused: any control, format, surrogate, private-use or unassigned character (Unicode category C), line and
  paragraph separators — also tab and newline.
- `free_text` — what someone writes: a description, a statement, a note, a reason. NFC-normalised, trimmed,
  `\\r\\n` and `\\r` read as `\\n`. Newline and tab are kept; refused: every other C0/C1 control character
  (NUL first: PostgreSQL cannot store it), lone surrogates, Unicode noncharacters and the bidirectional
  embedding/override/isolate controls (which make a note read differently from what it says).

Both count characters after normalisation and refuse more than the field's maximum; a required text that is
empty after trimming is refused too. Every refusal is a `TextInvalidError` (`INVALID_INPUT`) naming the field,
with the limit in its extensions (`maxLength`).

The limits, in characters, are the constants below, one per kind of field.
"""

from __future__ import annotations

import re
import unicodedata
from typing import cast

from civicledger.core.errors import InvalidInputError
from civicledger.core.guangzhou import check_street, normalise_phone, parse_district

NAME_MAX = 60  # a resident's name
ORGANISATION_NAME_MAX = 120
COMMUNITY_MAX = 60  # a community (社区) of an address
TITLE_MAX = 200  # a task's title
JOB_TITLE_MAX = 60  # a staff member's job title
IDENTIFIER_MAX = 80  # an office code, a staff id
REFERENCE_MAX = 200  # a lawful request's reference
CONFIRMATION_MAX = 120  # the reference of a resident's confirmation (a signed form, a call-back)
SHORT_TEXT_MAX = 500  # a reason given for a decline, a withdrawal, an override, a deviation; a decision
FREE_TEXT_MAX = 2000  # a description, statement, summary, note, outcome, comment
REASON_MAX = 2000  # the `reason` every command may carry (core/metadata.py)
PURPOSE_MAX = 500  # a reader's stated purpose (X-Access-Purpose)

_WHITESPACE = re.compile(r"\s+")
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_REFUSED = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Printable ASCII and CJK unified ideographs (U+4E00–U+9FFF: all assigned letters, unchanged by NFC) — most names,
# streets and notes: nothing to normalise and nothing refused, so the per-character scan below is skipped.
_PLAIN_LINE = re.compile("[\x20-\x7e\u4e00-\u9fff]*")
_PLAIN_FREE = re.compile("[\t\n\x20-\x7e\u4e00-\u9fff]*")


class TextInvalidError(InvalidInputError):
    """A text input that breaks its field's rule; `problem` says which, `maxLength` is the field's limit."""

    def __init__(self, field: str, problem: str, *, max_length: int | None = None, **details: object) -> None:
        extra = {"maxLength": max_length} if max_length is not None else {}
        super().__init__(f"{field}: {problem}", field=field, **extra, **details)
        self.field = field
        self.problem = problem
        self.max_length = max_length


def _as_text(raw: object, field: str) -> str:
    if not isinstance(raw, str):
        raise TextInvalidError(field, "must be text")
    return raw


def _is_noncharacter(ch: str) -> bool:
    code = ord(ch)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def _bounded(text: str, field: str, max_length: int, required: bool) -> str | None:
    if not text:
        if required:
            raise TextInvalidError(field, "must not be empty", max_length=max_length)
        return None
    if len(text) > max_length:
        raise TextInvalidError(field, f"longer than {max_length} characters", max_length=max_length,
                               length=len(text))
    return text


def _line(raw: object, field: str, max_length: int, required: bool) -> str | None:
    text = _as_text(raw, field).strip()
    # Refused before whitespace is collapsed, so that a tab or a newline inside a name is refused, not folded.
    if not _PLAIN_LINE.fullmatch(text):
        text = unicodedata.normalize("NFC", text)
        if any(unicodedata.category(ch) in _LINE_REFUSED for ch in text):
            raise TextInvalidError(field, "contains control or invisible characters", max_length=max_length)
        text = _WHITESPACE.sub(" ", text)
    elif "  " in text:
        text = _WHITESPACE.sub(" ", text)
    return _bounded(text, field, max_length, required)


def line(raw: object, field: str, *, max_length: int) -> str:
    """One line of text, cleaned (see the module docstring), required; `TextInvalidError` otherwise."""
    return cast(str, _line(raw, field, max_length, required=True))


def optional_line(raw: object | None, field: str, *, max_length: int) -> str | None:
    """`line`, or None when nothing (or only whitespace) was given."""
    return None if raw is None else _line(raw, field, max_length, required=False)


def _free(raw: object, field: str, max_length: int, required: bool) -> str | None:
    text = _as_text(raw, field)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not _PLAIN_FREE.fullmatch(text):
        text = unicodedata.normalize("NFC", text)
        for ch in text:
            category = unicodedata.category(ch)
            if (category == "Cc" and ch not in "\n\t") or category == "Cs" or ch in _BIDI_CONTROLS \
                    or _is_noncharacter(ch):
                raise TextInvalidError(field, "contains control characters", max_length=max_length,
                                       character=f"U+{ord(ch):04X}")
    return _bounded(text.strip(), field, max_length, required)


def free_text(raw: object, field: str, *, max_length: int = FREE_TEXT_MAX) -> str:
    """Free text, cleaned (see the module docstring), required; `TextInvalidError` otherwise."""
    return cast(str, _free(raw, field, max_length, required=True))


def optional_free_text(raw: object | None, field: str, *, max_length: int = FREE_TEXT_MAX) -> str | None:
    """`free_text`, or None when nothing (or only whitespace) was given."""
    return None if raw is None else _free(raw, field, max_length, required=False)


# -- the fields every program has ------------------------------------------------------------------------


def person_name(raw: object, field: str = "name") -> str:
    return line(raw, field, max_length=NAME_MAX)


def organisation_name(raw: object, field: str = "name") -> str:
    return line(raw, field, max_length=ORGANISATION_NAME_MAX)


def title(raw: object, field: str = "title") -> str:
    return line(raw, field, max_length=TITLE_MAX)


def phone(raw: object | None, field: str = "phone") -> str | None:
    """An 11-digit mainland mobile or a Guangzhou (020) landline, in ASCII digits (full-width forms folded;
    spaces, brackets and +86 removed); None when blank."""
    if raw is None:
        return None
    text = _as_text(raw, field)
    try:
        return normalise_phone(text)
    except ValueError:
        raise TextInvalidError(field, "must be an 11-digit mainland mobile number or a Guangzhou (020) landline"
                               ) from None


def district_and_street(district: object, street: object) -> tuple[str, str]:
    """(district code, street): one of Guangzhou's eleven districts (code or Chinese name) and one of its
    streets, as the reference data spells them."""
    d = parse_district(line(district, "district", max_length=40))
    return d.value, check_street(d, line(street, "street", max_length=40))


def address(district: object, street: object, community: object) -> tuple[str, str, str]:
    """(district code, street, community): `district_and_street`, and the community one line of at most
    `COMMUNITY_MAX` characters."""
    return (*district_and_street(district, street), line(community, "community", max_length=COMMUNITY_MAX))


def stated_purpose(raw: str | None) -> str | None:
    """A reader's stated purpose (the `X-Access-Purpose` header): one line, written to the read-access log."""
    return optional_line(raw, "X-Access-Purpose", max_length=PURPOSE_MAX)


def search_term(raw: str | None, field: str, *, max_length: int) -> str | None:
    """A filter's text: one line; None when blank. A term longer than the longest value it could match is
    refused rather than sent to the database."""
    return optional_line(raw, field, max_length=max_length)
