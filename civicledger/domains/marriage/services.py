"""Marriage registration's application service: get, decide, save; return what was recorded.

Registration, divorce and corrections are here; appointments in `appointment_handlers.py`; what they share
(loads, offices, who may act, claims, races) in `service_base.py`."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

from civicledger.core.access import ADMIN, require_role
from civicledger.core.clock import business_date
from civicledger.core.commands import handles
from civicledger.core.errors import ClaimTakenError
from civicledger.core.eventstore.application import Recorded
from civicledger.core.metadata import CommandContext
from civicledger.domains.marriage import rules
from civicledger.domains.marriage.appointment import AppointmentKind
from civicledger.domains.marriage.appointment_handlers import AppointmentHandlers
from civicledger.domains.marriage.commands import (
    ApplyForDivorce,
    CorrectMarriage,
    EndMarriageByDeath,
    RegisterDivorce,
    RegisterMarriage,
    WithdrawDivorceApplication,
)
from civicledger.domains.marriage.errors import (
    AlreadyMarriedError,
    MarriageValueInvalidError,
    NotAManAndAWomanError,
    PartyNotDeceasedError,
    SamePersonTwiceError,
    UnderAgeError,
)
from civicledger.domains.marriage.marital_record import marital_record_id
from civicledger.domains.marriage.marriage import Marriage, MarriageStatus
from civicledger.domains.marriage.ports import ResidentView
from civicledger.domains.marriage.rules import CertificateKind


def _overlaps(marriages: list[dict[str, Any]], marriage_id: UUID, start: date, end: date | None) -> bool:
    """Whether [start, end) meets another of these marriages (an open end: still live)."""
    for other in marriages:
        if other["marriage_id"] == str(marriage_id):
            continue
        other_start = date.fromisoformat(other["married_on"])
        ended = other.get("divorced_on") or other.get("widowed_on")
        other_end = date.fromisoformat(ended) if ended else None
        if (other_end is None or start < other_end) and (end is None or other_start < end):
            return True
    return False


def _gender(resident: ResidentView) -> str:
    return str(getattr(resident.gender, "value", resident.gender))


class MarriageService(AppointmentHandlers):
    # -- marriage -----------------------------------------------------------------------------------------

    @handles
    def register_marriage(self, cmd: RegisterMarriage, ctx: CommandContext) -> Recorded:
        office = self._office(ctx, cmd.office)
        if cmd.party_a == cmd.party_b:
            raise SamePersonTwiceError(cmd.party_a)
        today = business_date()
        people = {rid: self._party(rid) for rid in (cmd.party_a, cmd.party_b)}
        by_gender = {_gender(p): rid for rid, p in people.items()}
        if set(by_gender) != {"MALE", "FEMALE"}:
            raise NotAManAndAWomanError()
        for rid, person in people.items():
            minimum = rules.MINIMUM_AGE[_gender(person)]
            age = rules.age_on(person.birth_date, today)  # type: ignore[arg-type]  (checked by _party)
            if age < minimum:
                raise UnderAgeError(rid, age, minimum, today)
        husband, wife = by_gender["MALE"], by_gender["FEMALE"]

        def decide() -> Recorded:
            records = {rid: self._record(rid) for rid in (husband, wife)}
            for rid, record in records.items():
                if record.live_marriage_id is not None:
                    raise AlreadyMarriedError(rid)
            marriage_id = uuid4()
            book = self._book(office, CertificateKind.MARRIAGE, today.year)
            number = book.issue(marriage_id)
            appointment = None
            if cmd.appointment_id is not None:
                appointment = self.get_appointment(cmd.appointment_id)
                appointment.attend(AppointmentKind.MARRIAGE, office.value, today, {husband, wife}, marriage_id)
            marriage = Marriage._create(Marriage.Registered, id=marriage_id, husband_id=husband, wife_id=wife,
                                        office=office.value, registered_on=today, certificate_number=number,
                                        appointment_id=cmd.appointment_id)
            records[husband].married(marriage_id=marriage_id, spouse_id=wife, married_on=today)
            records[wife].married(marriage_id=marriage_id, spouse_id=husband, married_on=today)
            claims = [self._live_claim(husband, marriage_id), self._live_claim(wife, marriage_id),
                      self._certificate_claim(number, marriage_id)]
            saved = [marriage, records[husband], records[wife], book, *([appointment] if appointment else [])]
            return self._save(*saved, ctx=ctx, command=cmd, claims=claims)

        return self._racing(decide, lambda exc: AlreadyMarriedError(None) if isinstance(exc, ClaimTakenError)
                            else exc)

    # -- divorce ------------------------------------------------------------------------------------------

    @handles
    def apply_for_divorce(self, cmd: ApplyForDivorce, ctx: CommandContext) -> Recorded:
        office = self._office(ctx, cmd.office)
        marriage = self.get_marriage(cmd.marriage_id, cmd.expected_version)
        for rid in marriage.parties:
            self._party(rid)
        marriage.apply_for_divorce(office.value, business_date())
        return self._save(marriage, ctx=ctx, command=cmd)

    @handles
    def withdraw_divorce_application(self, cmd: WithdrawDivorceApplication, ctx: CommandContext) -> Recorded:
        self._office(ctx, cmd.office)
        marriage = self.get_marriage(cmd.marriage_id, cmd.expected_version)
        marriage.withdraw_divorce_application(cmd.party_id, business_date())
        return self._save(marriage, ctx=ctx, command=cmd)

    @handles
    def register_divorce(self, cmd: RegisterDivorce, ctx: CommandContext) -> Recorded:
        office = self._office(ctx, cmd.office)
        today = business_date()

        def decide() -> Recorded:
            marriage = self.get_marriage(cmd.marriage_id, cmd.expected_version)
            marriage.check_divorce_registrable(today)
            book = self._book(office, CertificateKind.DIVORCE, today.year)
            number = book.issue(marriage.id)
            appointment = None
            if cmd.appointment_id is not None:
                appointment = self.get_appointment(cmd.appointment_id)
                appointment.attend(AppointmentKind.DIVORCE_REGISTRATION, office.value, today,
                                   set(marriage.parties), marriage.id)
            marriage.register_divorce(office.value, today, number)
            records = [self._record(rid) for rid in marriage.parties]
            for record in records:
                record.divorced(marriage_id=marriage.id, divorced_on=today)
            releases = [self._live_claim(rid, marriage.id) for rid in marriage.parties]
            saved = [marriage, *records, book, *([appointment] if appointment else [])]
            return self._save(*saved, ctx=ctx, command=cmd, releases=releases,
                              claims=[self._certificate_claim(number, marriage.id)])

        return self._racing(decide, lambda exc: exc)

    # -- death ------------------------------------------------------------------------------------------------

    @handles
    def end_marriage_by_death(self, cmd: EndMarriageByDeath, ctx: CommandContext) -> Recorded:
        """The registry's date of death ends the live marriage; both claims are released (the survivor may marry
        again) and the survivor's record says widowed. Nothing to do (no live marriage): nothing written."""
        require_role(ctx.actor, ADMIN)
        resident = self.residents.get_resident(cmd.resident_id)
        if resident.date_of_death is None:
            raise PartyNotDeceasedError(cmd.resident_id)
        record = self.marital_record(cmd.resident_id)
        marriage = self.get_marriage(record.live_marriage_id) if record and record.live_marriage_id else None
        if marriage is None or marriage.status is not MarriageStatus.MARRIED:
            stream = marital_record_id(cmd.resident_id)
            version = record.version if record is not None else 0
            return Recorded(stream_id=stream, version=version, positions=(), streams=((stream, version),))
        marriage.end_by_death(cmd.resident_id, resident.date_of_death)
        survivor = marriage.wife_id if cmd.resident_id == marriage.husband_id else marriage.husband_id
        survivor_record = self._record(survivor)
        survivor_record.widowed(marriage_id=marriage.id, widowed_on=resident.date_of_death)
        releases = [self._live_claim(rid, marriage.id) for rid in marriage.parties]
        return self._save(marriage, survivor_record, ctx=ctx, command=cmd, releases=releases)

    # -- corrections --------------------------------------------------------------------------------------

    @handles
    def correct_marriage(self, cmd: CorrectMarriage, ctx: CommandContext) -> Recorded:
        ctx = ctx.with_reason(ctx.require_reason())
        marriage = self.get_marriage(cmd.marriage_id, cmd.expected_version)
        self._corrector(ctx, marriage)
        today = business_date()
        self._not_future(cmd.registered_on, "registeredOn", today)
        self._not_future(cmd.divorced_on, "divorcedOn", today)
        if cmd.divorced_on is not None and marriage.status is not MarriageStatus.DIVORCED:
            raise MarriageValueInvalidError("divorcedOn", "the marriage has no registered divorce")
        changes: dict[str, Any] = {}
        if cmd.registered_on is not None:
            changes["registered_on"] = cmd.registered_on
            for rid in marriage.parties:
                person = self.residents.get_resident(rid)
                if person.birth_date is not None:
                    minimum = rules.MINIMUM_AGE[_gender(person)]
                    age = rules.age_on(person.birth_date, cmd.registered_on)
                    if age < minimum:
                        raise UnderAgeError(rid, age, minimum, cmd.registered_on)
        if cmd.divorced_on is not None:
            changes["divorced_on"] = cmd.divorced_on
        registered = changes.get("registered_on", marriage.registered_on)
        divorced = changes.get("divorced_on", marriage.divorced_on)
        if divorced is not None and divorced < registered:
            raise MarriageValueInvalidError("divorcedOn", "a divorce before the marriage")
        records = [self._record(rid) for rid in marriage.parties]
        for record in records:
            if _overlaps(record.marriages, marriage.id, registered, divorced or marriage.ended_on):
                raise MarriageValueInvalidError("registeredOn", "the corrected dates overlap another marriage of "
                                                "a party", residentId=str(record.resident_id))
        marriage.correct(changes)
        for record in records:
            record.dates_corrected(marriage_id=marriage.id, married_on=marriage.registered_on,
                                   divorced_on=marriage.divorced_on)
        return self._save(marriage, *records, ctx=ctx, command=cmd)
