"""A resident's need handed to the party best placed to lead it ("advantage-led"), followed until the
resident has had their say."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import ClassVar
from uuid import UUID

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.domains.linkage.errors import (
    LinkageValueInvalidError,
    PersonalDataAlreadySharedError,
    ProgramApplicationPendingError,
    ReassignToSameOrganisationError,
    ReferralClosedError,
    ReferralNotActiveError,
    ReferralNotCompletedError,
    ReferralNotOverdueError,
    ReferralNotPendingError,
    ReferralNotReassignableError,
)
from civicledger.domains.linkage.taxonomy import Category, PartyType
from civicledger.domains.linkage.values import Confirmation, MeansDeclaration, SharingBasis, Urgency


class ReferralStatus(str, Enum):
    REFERRED = "REFERRED"  # waiting for the organisation's answer
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"  # waiting to be reassigned
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"  # work done, waiting for the resident's feedback
    CLOSED = "CLOSED"
    WITHDRAWN = "WITHDRAWN"  # by the resident


class Deadline(str, Enum):
    ACCEPT = "ACCEPT"  # someone must accept the referral (a decline does not stop this clock)
    COMPLETE = "COMPLETE"  # the accepting organisation must complete the work


ACTIVE = (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS)
FINAL = (ReferralStatus.CLOSED, ReferralStatus.WITHDRAWN)
PROGRAMS = ("assistance", "casework")


class Referral(CivicAggregate):
    """One referral per need, through every reassignment. Only a pending referral is accepted; the lead may
    decline until it completes; completion waits for every application it opened in another program; feedback
    follows completion and closes the referral. A closed or withdrawn referral takes no decision again — only
    another program's outcome can still be noted on it. Each deadline of each assignment escalates once.
    Every event names the resident it is about (for the timeline, and as the key of its sealed fields)."""

    class Event(CivicAggregate.Event):
        personal_data: ClassVar[Mapping[str, str]] = {
            "description": "field:resident_id", "contact_phone": "field:resident_id",
            "comment": "field:resident_id", "outcome": "field:resident_id", "statement": "field:resident_id",
            "resident_reason": "field:resident_id", "declared": "keys", "need": "field:resident_id",
        }

    class Referred(Event, CivicAggregate.Created):
        need_id: UUID
        resident_id: UUID
        community_id: UUID
        district: str
        street: str
        category: Category
        sub_item: str
        urgency: Urgency
        organisation_id: UUID
        organisation_name: str
        lead_party: PartyType
        proposed_lead_party: PartyType
        deviation_reason: str | None
        routing_version: int
        accept_due: datetime
        complete_within_hours: int
        referred_by: str

    @event(Referred)
    def __init__(self, need_id: UUID, resident_id: UUID, community_id: UUID, district: str, street: str,
                 category: Category, sub_item: str, urgency: Urgency, organisation_id: UUID, organisation_name: str,
                 lead_party: PartyType, proposed_lead_party: PartyType, deviation_reason: str | None,
                 routing_version: int, accept_due: datetime, complete_within_hours: int, referred_by: str) -> None:
        self.need_id, self.resident_id, self.community_id = need_id, resident_id, community_id
        self.district, self.street = district, street
        self.category, self.sub_item, self.urgency = category, sub_item, urgency
        self.organisation_id, self.lead_party = organisation_id, lead_party
        self.accept_due, self.complete_within_hours = accept_due, complete_within_hours
        self.complete_due: datetime | None = None
        self.status = ReferralStatus.REFERRED
        self.assignment = 1
        self.shared_with: set[UUID] = set()
        self.escalations: set[tuple[Deadline, int]] = set()
        self.applications: dict[int, tuple[str, UUID | None, str | None]] = {}  # request -> program, id, outcome
        self.satisfaction: int | None = None

    # -- the organisation's answer -------------------------------------------------------------------------

    def accept(self, by: str, now: datetime) -> None:
        if self.status is not ReferralStatus.REFERRED:
            raise ReferralNotPendingError(self.id, self.status.value)
        self._accepted(resident_id=self.resident_id, organisation_id=self.organisation_id, accepted_by=by,
                       complete_due=now + timedelta(hours=self.complete_within_hours))

    @event("Accepted")
    def _accepted(self, resident_id: UUID, organisation_id: UUID, accepted_by: str, complete_due: datetime) -> None:
        self.status = ReferralStatus.ACCEPTED
        self.complete_due = complete_due

    def decline(self, reason: str, by: str) -> None:
        if self.status is not ReferralStatus.REFERRED and self.status not in ACTIVE:
            raise ReferralNotPendingError(self.id, self.status.value)
        self._declined(resident_id=self.resident_id, organisation_id=self.organisation_id, reason=reason,
                       declined_by=by)

    @event("Declined")
    def _declined(self, resident_id: UUID, organisation_id: UUID, reason: str, declined_by: str) -> None:
        self.status = ReferralStatus.DECLINED

    def reassign(self, organisation_id: UUID, organisation_name: str, lead_party: PartyType,
                 deviation_reason: str | None, accept_due: datetime, by: str) -> None:
        if self.status not in (ReferralStatus.DECLINED, ReferralStatus.REFERRED):
            raise ReferralNotReassignableError(self.id, self.status.value)
        if organisation_id == self.organisation_id:
            raise ReassignToSameOrganisationError(organisation_id)
        self._reassigned(resident_id=self.resident_id, organisation_id=organisation_id,
                         organisation_name=organisation_name, lead_party=lead_party, deviation_reason=deviation_reason,
                         accept_due=accept_due, assignment=self.assignment + 1, reassigned_by=by)

    @event("Reassigned")
    def _reassigned(self, resident_id: UUID, organisation_id: UUID, organisation_name: str, lead_party: PartyType,
                    deviation_reason: str | None, accept_due: datetime, assignment: int, reassigned_by: str) -> None:
        self.organisation_id, self.lead_party, self.accept_due = organisation_id, lead_party, accept_due
        self.assignment = assignment
        self.complete_due = None
        self.status = ReferralStatus.REFERRED

    # -- the work ------------------------------------------------------------------------------------------

    def check_active(self) -> None:
        if self.status not in ACTIVE:
            raise ReferralNotActiveError(self.id, self.status.value)

    def start_work(self, by: str) -> None:
        if self.status is not ReferralStatus.ACCEPTED:
            raise ReferralNotActiveError(self.id, self.status.value)
        self._work_started(resident_id=self.resident_id, started_by=by)

    @event("WorkStarted")
    def _work_started(self, resident_id: UUID, started_by: str) -> None:
        self.status = ReferralStatus.IN_PROGRESS

    def complete(self, outcome: str, by: str) -> None:
        self.check_active()
        for program, _, result in self.applications.values():
            if result is None:
                raise ProgramApplicationPendingError(self.id, program)
        self._completed(resident_id=self.resident_id, outcome=outcome, completed_by=by)

    @event("Completed")
    def _completed(self, resident_id: UUID, outcome: str, completed_by: str) -> None:
        self.status = ReferralStatus.COMPLETED

    # -- the resident's word -------------------------------------------------------------------------------

    def give_feedback(self, satisfaction: int, comment: str | None, confirmation: Confirmation, by: str) -> None:
        if self.status is not ReferralStatus.COMPLETED:
            raise ReferralNotCompletedError(self.id, self.status.value)
        if not 1 <= satisfaction <= 5:
            raise LinkageValueInvalidError("satisfaction", "must be 1 (very dissatisfied) to 5 (very satisfied)",
                                           value=satisfaction)
        self._feedback_given(resident_id=self.resident_id, satisfaction=satisfaction, comment=comment,
                             confirmation=confirmation, recorded_by=by)
        self._closed(resident_id=self.resident_id, closed_by=by, with_feedback=True)

    @event("FeedbackGiven")
    def _feedback_given(self, resident_id: UUID, satisfaction: int, comment: str | None,
                        confirmation: Confirmation, recorded_by: str) -> None:
        self.satisfaction = satisfaction

    def close_without_feedback(self, by: str) -> None:
        if self.status is not ReferralStatus.COMPLETED:
            raise ReferralNotCompletedError(self.id, self.status.value)
        self._closed(resident_id=self.resident_id, closed_by=by, with_feedback=False)

    @event("Closed")
    def _closed(self, resident_id: UUID, closed_by: str, with_feedback: bool) -> None:
        self.status = ReferralStatus.CLOSED

    def withdraw(self, resident_reason: str, confirmation: Confirmation, by: str) -> None:
        self._check_not_final()
        self._withdrawn(resident_id=self.resident_id, resident_reason=resident_reason, confirmation=confirmation,
                        recorded_by=by)

    @event("Withdrawn")
    def _withdrawn(self, resident_id: UUID, resident_reason: str, confirmation: Confirmation,
                   recorded_by: str) -> None:
        self.status = ReferralStatus.WITHDRAWN

    def _check_not_final(self) -> None:
        if self.status in FINAL:
            raise ReferralClosedError(self.id, self.status.value)

    # -- personal data shared with the lead ----------------------------------------------------------------

    def share_personal_data(self, basis: SharingBasis, description: str, contact_phone: str | None,
                            override_reason: str | None, by: str) -> None:
        if self.status is not ReferralStatus.REFERRED and self.status not in ACTIVE:
            raise ReferralNotActiveError(self.id, self.status.value)
        if self.organisation_id in self.shared_with:
            raise PersonalDataAlreadySharedError(self.organisation_id)
        self._personal_data_shared(resident_id=self.resident_id, organisation_id=self.organisation_id, basis=basis,
                                   description=description, contact_phone=contact_phone,
                                   override_reason=override_reason, shared_by=by)

    @event("PersonalDataShared")
    def _personal_data_shared(self, resident_id: UUID, organisation_id: UUID, basis: SharingBasis,
                              description: str, contact_phone: str | None, override_reason: str | None,
                              shared_by: str) -> None:
        self.shared_with.add(organisation_id)

    # -- deadlines -----------------------------------------------------------------------------------------

    def overdue_deadline(self, now: datetime) -> tuple[Deadline, datetime] | None:
        """The deadline that has passed and not yet been escalated in this assignment, if any."""
        if self.status in (ReferralStatus.REFERRED, ReferralStatus.DECLINED) and now >= self.accept_due \
                and (Deadline.ACCEPT, self.assignment) not in self.escalations:
            return Deadline.ACCEPT, self.accept_due
        if self.status in ACTIVE and self.complete_due is not None and now >= self.complete_due \
                and (Deadline.COMPLETE, self.assignment) not in self.escalations:
            return Deadline.COMPLETE, self.complete_due
        return None

    def escalate(self, now: datetime) -> None:
        overdue = self.overdue_deadline(now)
        if overdue is None:
            raise ReferralNotOverdueError(self.id)
        deadline, due = overdue
        self._escalated(resident_id=self.resident_id, deadline=deadline, assignment=self.assignment, due=due,
                        organisation_id=self.organisation_id, district=self.district, street=self.street)

    @event("Escalated")
    def _escalated(self, resident_id: UUID, deadline: Deadline, assignment: int, due: datetime,
                   organisation_id: UUID, district: str, street: str) -> None:
        self.escalations.add((deadline, assignment))

    # -- another program (e.g. social assistance) ----------------------------------------------------------

    def request_program_application(self, program: str, scheme: str, household_id: UUID | None, statement: str,
                                    declared: dict[UUID, MeansDeclaration], need: Decimal | None, by: str,
                                    unit_id: UUID | None = None) -> int:
        if self.status is not ReferralStatus.REFERRED and self.status not in ACTIVE:
            raise ReferralNotActiveError(self.id, self.status.value)
        if program not in PROGRAMS:
            raise LinkageValueInvalidError("program", "no such program takes applications from referrals",
                                           value=program, allowed=list(PROGRAMS))
        if any(p == program and outcome is None for p, _, outcome in self.applications.values()):
            raise ProgramApplicationPendingError(self.id, program)
        request = len(self.applications) + 1
        self._program_application_requested(resident_id=self.resident_id, request=request, program=program,
                                            scheme=scheme, household_id=household_id, statement=statement,
                                            declared=declared, need=need, requested_by=by, unit_id=unit_id)
        return request

    @event("ProgramApplicationRequested")
    def _program_application_requested(self, resident_id: UUID, request: int, program: str, scheme: str,
                                       household_id: UUID | None, statement: str,
                                       declared: dict[UUID, MeansDeclaration], need: Decimal | None, requested_by: str,
                                       unit_id: UUID | None = None) -> None:
        self.applications[request] = (program, None, None)

    def record_program_application(self, request: int, application_id: UUID) -> None:
        program, known, result = self.applications[request]
        if known is None and result is None:
            self._program_application_opened(resident_id=self.resident_id, request=request, program=program,
                                             application_id=application_id)

    @event("ProgramApplicationOpened")
    def _program_application_opened(self, resident_id: UUID, request: int, program: str,
                                    application_id: UUID) -> None:
        self.applications[request] = (program, application_id, None)

    def refuse_program_application(self, request: int, code: str, message: str) -> None:
        """The other program would not open the application (e.g. a member already has a live case): that is
        its answer, so the referral is not left waiting for one."""
        program, known, result = self.applications[request]
        if known is None and result is None:
            self._program_application_refused(resident_id=self.resident_id, request=request, program=program,
                                              code=code, message=message)

    @event("ProgramApplicationRefused")
    def _program_application_refused(self, resident_id: UUID, request: int, program: str, code: str,
                                     message: str) -> None:
        self.applications[request] = (program, None, "REFUSED")

    def report_program_outcome(self, program: str, application_id: UUID, outcome: str) -> None:
        """Note another program's decision on an application this referral opened (once; later reports of the
        same decision change nothing)."""
        for request, (known_program, known, result) in self.applications.items():
            if result is None and known_program == program and known in (None, application_id):
                if known is None:
                    self._program_application_opened(resident_id=self.resident_id, request=request,
                                                     program=program, application_id=application_id)
                self._program_outcome_reported(resident_id=self.resident_id, request=request, program=program,
                                               application_id=application_id, outcome=outcome)
                return

    @event("ProgramOutcomeReported")
    def _program_outcome_reported(self, resident_id: UUID, request: int, program: str, application_id: UUID,
                                  outcome: str) -> None:
        self.applications[request] = (program, application_id, outcome)
