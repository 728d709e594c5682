"""Appointments at a district marriage office: booked by staff of that office or by the online booking
platform (an integrator), for a couple in the registry, on a weekday within 90 days, in a half-hour slot;
cancelled with a reason; attended by the registration that uses it (`services.py`)."""

from __future__ import annotations

from datetime import timedelta

from civicledger.core.clock import business_date
from civicledger.core.commands import handles
from civicledger.core.eventstore.application import Recorded
from civicledger.core.metadata import CommandContext
from civicledger.domains.marriage import rules
from civicledger.domains.marriage.appointment import AppointmentKind, MarriageAppointment
from civicledger.domains.marriage.commands import BookMarriageAppointment, CancelMarriageAppointment
from civicledger.domains.marriage.errors import MarriageValueInvalidError, SamePersonTwiceError
from civicledger.domains.marriage.service_base import MarriageServiceBase


class AppointmentHandlers(MarriageServiceBase):
    @handles
    def book_marriage_appointment(self, cmd: BookMarriageAppointment, ctx: CommandContext) -> Recorded:
        office = self._office(ctx, cmd.office)
        try:
            kind = AppointmentKind(str(cmd.kind).upper()) if str(cmd.kind).isascii() else None
        except ValueError:
            kind = None
        if kind is None:
            raise MarriageValueInvalidError("kind", "unknown appointment kind",
                                            allowed=[k.value for k in AppointmentKind])
        if cmd.slot not in rules.SLOTS:
            raise MarriageValueInvalidError("slot", "not one of the office's half-hour slots",
                                            allowed=list(rules.SLOTS))
        today = business_date()
        if not today <= cmd.on <= today + timedelta(days=rules.APPOINTMENT_HORIZON_DAYS):
            raise MarriageValueInvalidError("on", f"between today and {rules.APPOINTMENT_HORIZON_DAYS} days ahead",
                                            date=cmd.on.isoformat())
        if cmd.on.isoweekday() > 5:
            raise MarriageValueInvalidError("on", "the offices open Monday to Friday", date=cmd.on.isoformat())
        if cmd.party_a == cmd.party_b:
            raise SamePersonTwiceError(cmd.party_a)
        for rid in (cmd.party_a, cmd.party_b):
            self._party(rid)
        appointment = MarriageAppointment(office=office.value, kind=kind, on=cmd.on, slot=cmd.slot,
                                          party_ids=(cmd.party_a, cmd.party_b))
        return self._save(appointment, ctx=ctx, command=cmd)

    @handles
    def cancel_marriage_appointment(self, cmd: CancelMarriageAppointment, ctx: CommandContext) -> Recorded:
        reason = ctx.require_reason()
        appointment = self.get_appointment(cmd.appointment_id, cmd.expected_version)
        self._office(ctx, appointment.office)
        appointment.cancel(reason)
        return self._save(appointment, ctx=ctx.with_reason(reason), command=cmd)
