"""The time bank's application service: get, decide, save; return what was recorded.

Who may act (decided here, on the write model):
- recording a volunteer's service — staff of the volunteer's district (caseworkers, supervisors), integrators
  and admins; the record names the organising party's office;
- verifying or rejecting it — the organising party only: a principal whose token names that office; and
  never whoever recorded it (hours feed the social-credit system: nobody mints them alone);
- redeeming hours — staff of the volunteer's district; a transfer links two residents and a household: the
  caller's right over every one of their districts.

Debits race: two redemptions from one balance may load the same version. The second save loses on the
stream's version (the event store's unique key) and the command is decided again from a fresh load — the
balance rule is checked again, so the balance never goes negative, across processes. A caller who sends
`expectedVersion` asked for that version: a lost race is then their CONFLICT, not retried."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from uuid import UUID, uuid4

from civicledger.core import text
from civicledger.core.access import may_act_in
from civicledger.core.clock import Clock, business_date
from civicledger.core.commands import handles
from civicledger.core.errors import ClaimTakenError, ConflictError, NotFoundError, StaleVersionError
from civicledger.core.eventstore.application import CivicApplication, Ledger, Recorded
from civicledger.core.metadata import CommandContext
from civicledger.domains.timebank import commands as c
from civicledger.domains.timebank.account import TimeAccount, account_id
from civicledger.domains.timebank.errors import (
    NotSameHouseholdError,
    ServiceRecordNotFoundError,
    TimeAccountBusyError,
    TimeAccountNotFoundError,
    TimeBankValueInvalidError,
    VolunteerUnavailableError,
)
from civicledger.domains.timebank.ports import Registry, ResidentView
from civicledger.domains.timebank.record import ServiceRecord
from civicledger.domains.timebank.rules import (
    MAX_RECORD_HOURS,
    MAX_REDEMPTION_HOURS,
    MAX_TRANSFER_HOURS,
    category,
    hours,
)

MAX_ATTEMPTS = 40  # a lost race costs one reload; 40 covers dozens of concurrent debits of one account


class TimeBankService(CivicApplication):
    program = "timebank"

    def __init__(self, ledger: Ledger, *, residents: Registry, clock: Clock | None = None) -> None:
        super().__init__(ledger, clock=clock)
        self.residents = residents

    # -- reads (write-model truth) --------------------------------------------------------------------------

    def get_record(self, record_id: UUID, expected_version: int | None = None) -> ServiceRecord:
        try:
            return self._get(ServiceRecord, record_id, expected_version=expected_version, label="service record")
        except StaleVersionError:
            raise
        except NotFoundError:
            raise ServiceRecordNotFoundError(record_id) from None

    def find_account(self, resident_id: UUID) -> TimeAccount | None:
        return self._find(TimeAccount, account_id(resident_id), label="time account")

    def _volunteer(self, resident_id: UUID) -> ResidentView:
        resident = self.residents.get_resident(resident_id)
        if resident.erased:
            raise VolunteerUnavailableError(resident_id, "has been erased")
        if resident.date_of_death is not None:
            raise VolunteerUnavailableError(resident_id, "is deceased")
        return resident

    # -- service records -----------------------------------------------------------------------------------

    @handles
    def record_volunteer_service(self, cmd: c.RecordVolunteerService, ctx: CommandContext) -> Recorded:
        volunteer = self._volunteer(cmd.resident_id)
        may_act_in(ctx.actor, volunteer.district)
        served_on = cmd.served_on
        if served_on > business_date():
            raise TimeBankValueInvalidError("servedOn", "a service is recorded once it has been given")
        record = ServiceRecord(
            resident_id=cmd.resident_id, district=volunteer.district,
            organiser_office=text.line(cmd.organiser_office, "organiserOffice", max_length=text.IDENTIFIER_MAX),
            organiser_name=text.organisation_name(cmd.organiser_name, "organiserName"),
            category=category(cmd.category), served_on=served_on, hours=hours(cmd.hours, "hours", MAX_RECORD_HOURS),
            description=text.free_text(cmd.description, "description", max_length=text.SHORT_TEXT_MAX),
            recorded_by=ctx.actor.id)
        return self._save(record, ctx=ctx, command=cmd)

    @handles
    def verify_volunteer_service(self, cmd: c.VerifyVolunteerService, ctx: CommandContext) -> Recorded:
        """The organising party vouches for the hours: the record is verified and the hours banked, in one save."""
        def decide() -> tuple[ServiceRecord, TimeAccount]:
            record = self.get_record(cmd.record_id, cmd.expected_version)
            record.check_organiser(ctx.actor.office)
            may_act_in(ctx.actor)  # inspectors change nothing
            record.check_not_recorded_by(ctx.actor.id)  # four eyes: the recorder does not vouch for the hours
            record.verify(by=ctx.actor.id)
            account = self.find_account(record.resident_id) or TimeAccount(resident_id=record.resident_id,
                                                                            district=record.district)
            account.credit(record.id, record.hours, record.organiser_name)
            return record, account

        return self._retrying(decide, ctx, cmd, retry=cmd.expected_version is None)

    @handles
    def reject_volunteer_service(self, cmd: c.RejectVolunteerService, ctx: CommandContext) -> Recorded:
        reason = ctx.require_reason()
        record = self.get_record(cmd.record_id, cmd.expected_version)
        record.check_organiser(ctx.actor.office)
        may_act_in(ctx.actor)
        record.reject(by=ctx.actor.id)
        return self._save(record, ctx=ctx.with_reason(reason), command=cmd)

    # -- the balance ---------------------------------------------------------------------------------------

    def _account(self, resident_id: UUID, expected_version: int | None = None) -> TimeAccount:
        account = self.find_account(resident_id)
        if account is None:
            raise TimeAccountNotFoundError(resident_id)
        if expected_version is not None and account.version != expected_version:
            raise StaleVersionError(account.id, expected_version, account.version)
        return account

    @handles
    def redeem_volunteer_hours(self, cmd: c.RedeemVolunteerHours, ctx: CommandContext) -> Recorded:
        amount = hours(cmd.hours, "hours", MAX_REDEMPTION_HOURS)
        service = text.line(cmd.service, "service", max_length=text.TITLE_MAX)
        provider = text.organisation_name(cmd.provider, "provider")
        volunteer = self._volunteer(cmd.resident_id)
        may_act_in(ctx.actor, volunteer.district)
        redemption_id = uuid4()

        def decide() -> tuple[TimeAccount]:
            account = self._account(cmd.resident_id, cmd.expected_version)
            account.redeem(redemption_id, amount, service, provider)
            return (account,)

        return self._retrying(decide, ctx, cmd, retry=cmd.expected_version is None)

    @handles
    def transfer_volunteer_hours(self, cmd: c.TransferVolunteerHours, ctx: CommandContext) -> Recorded:
        amount = hours(cmd.hours, "hours", MAX_TRANSFER_HOURS * 1000)  # the transfer limits are rule violations
        if cmd.from_resident_id == cmd.to_resident_id:
            raise TimeBankValueInvalidError("toResidentId", "a transfer goes to another member of the household")
        giver = self._volunteer(cmd.from_resident_id)
        receiver = self._volunteer(cmd.to_resident_id)
        household = self.residents.get_household(cmd.household_id)
        for member in (cmd.from_resident_id, cmd.to_resident_id):
            if member not in household.members:
                raise NotSameHouseholdError(cmd.household_id, member)
        may_act_in(ctx.actor, giver.district, receiver.district, household.district)
        year = business_date().year

        def decide() -> tuple[TimeAccount, TimeAccount]:
            source = self._account(cmd.from_resident_id, cmd.expected_version)
            source.transfer_out(cmd.to_resident_id, cmd.household_id, amount, year)
            target = self.find_account(cmd.to_resident_id) or TimeAccount(resident_id=cmd.to_resident_id,
                                                                           district=receiver.district)
            target.transfer_in(cmd.from_resident_id, cmd.household_id, amount)
            return source, target

        return self._retrying(decide, ctx, cmd, retry=cmd.expected_version is None)

    def _retrying(self, decide: Callable[[], tuple[object, ...]], ctx: CommandContext, cmd: object, *,
                  retry: bool) -> Recorded:
        """Decide and save; a save that lost the race for a stream is decided again from a fresh load (the
        rules are checked again on the state it will be saved on)."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            aggregates = decide()
            try:
                return self._save(*aggregates, ctx=ctx, command=cmd)  # type: ignore[arg-type]
            except ClaimTakenError:
                raise
            except ConflictError:
                if not retry or (ctx.idempotency_key and self._replay(ctx, cmd) is not None):
                    raise
                time.sleep(random.uniform(0, 0.002 * attempt))
        subject = next(getattr(cmd, a) for a in ("resident_id", "from_resident_id", "record_id") if hasattr(cmd, a))
        raise TimeAccountBusyError(subject, MAX_ATTEMPTS)
