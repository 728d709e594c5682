"""The effective-dated standard of one assistance program."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.core.text import optional_free_text
from civicledger.domains.assistance.entitlements import month_of
from civicledger.domains.assistance.errors import (
    StandardAmountInvalidError,
    StandardBackdatedError,
    StandardEffectiveDateInvalidError,
)
from civicledger.domains.assistance.programs import Program
from civicledger.domains.assistance.rules import Revision


class AssistanceStandard(CivicAggregate):
    """A program's monthly standards, each taking effect on the first day of a month. Revisions are never
    changed or removed: a later revision supersedes from its date, and one dated on or before the latest
    date is a correction of history that must say why. One stream per program (its id derives from it)."""

    class Established(CivicAggregate.Created):
        program: Program

    class RevisionPublished(CivicAggregate.Event):
        revision: Revision
        published_by: str
        correction_reason: str | None

    @staticmethod
    def create_id(program: Program) -> UUID:
        return standard_id(program)

    @event(Established)
    def __init__(self, program: Program) -> None:
        self.program = program
        self.revisions: list[Revision] = []

    @property
    def latest_effective_from(self) -> date | None:
        return max((r.effective_from for r in self.revisions), default=None)

    @property
    def latest_revision(self) -> int:
        return len(self.revisions)

    def check(self, effective_from: date, amount: Decimal, asset_limit: Decimal | None, share: Decimal | None,
              correction_reason: str | None) -> None:
        if effective_from != month_of(effective_from):
            raise StandardEffectiveDateInvalidError(effective_from)
        if amount <= 0:
            raise StandardAmountInvalidError("amount", amount)
        if asset_limit is not None and asset_limit <= 0:
            raise StandardAmountInvalidError("assetLimitPerPerson", asset_limit)
        if share is not None and not (0 < share <= 1):
            raise StandardAmountInvalidError("share", share)
        latest = self.latest_effective_from
        if latest is not None and effective_from <= latest and not optional_free_text(correction_reason,
                                                                                     "correctionReason"):
            raise StandardBackdatedError(effective_from, latest)

    def publish(self, effective_from: date, amount: Decimal, asset_limit: Decimal | None, share: Decimal | None,
                correction_reason: str | None, by: str) -> Revision:
        self.check(effective_from, amount, asset_limit, share, correction_reason)
        revision = Revision(revision=self.latest_revision + 1, effective_from=effective_from, amount=amount,
                            asset_limit_per_person=asset_limit, share=share)
        self._revision_published(revision=revision, published_by=by,
                                 correction_reason=optional_free_text(correction_reason, "correctionReason"))
        return revision

    @event(RevisionPublished)
    def _revision_published(self, revision: Revision, published_by: str, correction_reason: str | None) -> None:
        self.revisions.append(revision)

    # -- what is in force ---------------------------------------------------------------------------------

    def in_force(self, on: date) -> Revision | None:
        """Among revisions dated on or before `on`, the latest-dated; of equal dates, the latest published."""
        candidates = [r for r in self.revisions if r.effective_from <= on]
        return max(candidates, key=lambda r: (r.effective_from, r.revision), default=None)

    def in_force_on(self, day: date) -> Mapping[str, Any] | None:
        """`core.effective.EffectiveDated`: the revision in force on `day` and until when, for inspectors."""
        revision = self.in_force(day)
        if revision is None:
            return None
        until = min((r.effective_from for r in self.revisions if r.effective_from > revision.effective_from),
                    default=None)
        return {"effectiveFrom": revision.effective_from, "effectiveUntil": until, "revision": revision.revision,
                "amount": revision.amount, "assetLimitPerPerson": revision.asset_limit_per_person,
                "share": revision.share}

    def periods_from(self, start: date) -> list[tuple[date, Revision | None]]:
        """(first month, revision in force) for `start` and every later date at which a revision takes over."""
        starts = sorted({start} | {r.effective_from for r in self.revisions if r.effective_from > start})
        periods: list[tuple[date, Revision | None]] = []
        for month in starts:
            revision = self.in_force(month)
            if not periods or periods[-1][1] != revision:
                periods.append((month, revision))
        return periods

    def with_draft(self, effective_from: date, amount: Decimal, asset_limit: Decimal | None,
                   share: Decimal | None) -> AssistanceStandard:
        """A copy with one more revision, for previews: never saved."""
        draft = object.__new__(AssistanceStandard)
        draft.__dict__.update(self.__dict__)
        draft.revisions = [*self.revisions, Revision(self.latest_revision + 1, effective_from, amount,
                                                     asset_limit, share)]
        return draft


def standard_id(program: Program) -> UUID:
    return uuid5(NAMESPACE_URL, f"civicledger:assistance-standard:{program.value}")


# Standard stream id -> its program (one stream per program).
PROGRAM_OF_STREAM: dict[UUID, Program] = {standard_id(p): p for p in Program}
