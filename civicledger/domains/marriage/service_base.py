"""What every marriage handler shares: the wiring, the loads, the offices and who may act, the claims.

Who may act (decided here, on the write model):
- registration is city-wide: any office serves any resident, so the residents' districts do not bound it; the
  office does — caseworkers and supervisors register only at their own district's office, admins, integrators
  and processes name the office; inspectors change nothing;
- corrections — supervisors of the registering office's district, or admins.

One live marriage per person, city-wide and under concurrency: a claim `marriage_live` per person, keyed by
the resident id, held by the marriage's stream, taken with its registration and released with its divorce
in the same transaction (the way resident ID numbers are unique)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

from civicledger.core.access import ADMIN, INSPECTOR, STAFF, SUPERVISOR, SYSTEM
from civicledger.core.clock import Clock
from civicledger.core.errors import ClaimTakenError, ConflictError, ForbiddenError, NotFoundError, StaleVersionError
from civicledger.core.eventstore.application import CivicApplication, Ledger, Recorded
from civicledger.core.eventstore.claims import Claim
from civicledger.core.guangzhou import District, parse_district
from civicledger.core.metadata import CommandContext
from civicledger.domains.marriage.appointment import MarriageAppointment
from civicledger.domains.marriage.certificate_book import CertificateBook, certificate_book_id
from civicledger.domains.marriage.errors import (
    AppointmentNotFoundError,
    CorrectionForbiddenError,
    MarriageNotFoundError,
    MarriageOfficeForbiddenError,
    MarriageValueInvalidError,
    PartyIneligibleError,
    PartyNotInRegistryError,
)
from civicledger.domains.marriage.marital_record import MaritalRecord, marital_record_id
from civicledger.domains.marriage.marriage import Marriage
from civicledger.domains.marriage.ports import ResidentLookup, ResidentView
from civicledger.domains.marriage.rules import CertificateKind

LIVE_MARRIAGE_SCOPE = "marriage_live"
CERTIFICATE_SCOPE = "marriage_certificate"
OFFICE_MAX = 20
ATTEMPTS = 8  # a registration racing others at one office decides again with the next serial


class MarriageServiceBase(CivicApplication):
    program = "marriage"

    def __init__(self, ledger: Ledger, *, residents: ResidentLookup, clock: Clock | None = None) -> None:
        super().__init__(ledger, clock=clock)
        self.residents = residents

    # -- reads (write-model truth) ------------------------------------------------------------------------

    def get_marriage(self, marriage_id: UUID, expected_version: int | None = None) -> Marriage:
        try:
            return self._get(Marriage, marriage_id, expected_version=expected_version, label="marriage")
        except StaleVersionError:
            raise
        except NotFoundError:
            raise MarriageNotFoundError(marriage_id) from None

    def get_appointment(self, appointment_id: UUID, expected_version: int | None = None) -> MarriageAppointment:
        try:
            return self._get(MarriageAppointment, appointment_id, expected_version=expected_version)
        except StaleVersionError:
            raise
        except NotFoundError:
            raise AppointmentNotFoundError(appointment_id) from None

    def marital_record(self, resident_id: UUID) -> MaritalRecord | None:
        return self._find(MaritalRecord, marital_record_id(resident_id))

    def _record(self, resident_id: UUID) -> MaritalRecord:
        found = self.marital_record(resident_id)
        if found is not None:
            return found
        return MaritalRecord._create(MaritalRecord.Opened, id=marital_record_id(resident_id),
                                     resident_id=resident_id)

    def _book(self, office: District, kind: CertificateKind, year: int) -> CertificateBook:
        book_id = certificate_book_id(office, kind, year)
        found = self._find(CertificateBook, book_id)
        if found is not None:
            return found
        return CertificateBook._create(CertificateBook.Opened, id=book_id, office=office.value, kind=kind.name,
                                       year=year)

    def _party(self, resident_id: UUID) -> ResidentView:
        """A living, unerased resident of the registry (the identity check, through the port)."""
        try:
            resident = self.residents.get_resident(resident_id)
        except NotFoundError:
            raise PartyNotInRegistryError(resident_id) from None
        if resident.erased:
            raise PartyIneligibleError(resident_id, "erased from the registry")
        if resident.date_of_death is not None:
            raise PartyIneligibleError(resident_id, "recorded as deceased")
        if resident.birth_date is None or resident.gender is None:
            raise PartyIneligibleError(resident_id, "the registry holds no birth date or gender")
        return resident

    # -- claims -----------------------------------------------------------------------------------------------

    def _live_claim(self, resident_id: UUID, marriage_id: UUID) -> Claim:
        return Claim(LIVE_MARRIAGE_SCOPE, self.ledger.claim_key(LIVE_MARRIAGE_SCOPE, str(resident_id)), marriage_id)

    def _certificate_claim(self, number: str, owner: UUID) -> Claim:
        return Claim(CERTIFICATE_SCOPE, self.ledger.claim_key(CERTIFICATE_SCOPE, number), owner)

    @staticmethod
    def _racing(decide: Callable[[], Recorded], lost: Callable[[ConflictError], Exception]) -> Recorded:
        """Decide and save again when another registration won a race on a shared stream (a certificate book,
        a marital record) or a claim: the next decision sees what the winner wrote. A stale `expectedVersion`
        is the caller's and is never retried."""
        for attempt in range(ATTEMPTS):
            try:
                return decide()
            except ConflictError as exc:
                # Only a lost race is decided again (a claim, or a shared stream's version): never a stale
                # `expectedVersion` (the caller's), never a rule's own conflict (already married, pending).
                if not (isinstance(exc, ClaimTakenError) or type(exc) is ConflictError):
                    raise
                if attempt == ATTEMPTS - 1:
                    raise lost(exc) from None
        raise AssertionError("unreachable")  # pragma: no cover

    # -- who may act --------------------------------------------------------------------------------------

    @staticmethod
    def _office(ctx: CommandContext, office: str | None) -> District:
        """The office acting: staff act for their own district's office; others must name one."""
        role = ctx.actor.role
        if role == INSPECTOR:
            raise ForbiddenError("this role may not change anything", role=role)
        if office is not None and (not isinstance(office, str) or len(office) > OFFICE_MAX):
            raise MarriageValueInvalidError("office", f"a district code or name of at most {OFFICE_MAX} characters",
                                            maxLength=OFFICE_MAX)
        if role in STAFF:
            own = parse_district(ctx.actor.district) if ctx.actor.district else None
            chosen = parse_district(office) if office is not None else own
            if own is None or chosen is not own:
                raise MarriageOfficeForbiddenError(chosen.value if chosen else str(office), ctx.actor.district)
            return own
        if office is None:
            raise MarriageValueInvalidError("office", "name the marriage office (a district)")
        return parse_district(office)

    @staticmethod
    def _corrector(ctx: CommandContext, marriage: Marriage) -> None:
        role = ctx.actor.role
        if role in (ADMIN, SYSTEM):
            return
        if role == SUPERVISOR and ctx.actor.district == marriage.office:
            return
        raise CorrectionForbiddenError(role)

    @staticmethod
    def _not_future(value: date | None, field: str, today: date) -> None:
        if value is not None and value > today:
            raise MarriageValueInvalidError(field, "a date in the future", date=value.isoformat())
