"""The certificate numbers of one office, kind and year: serials issued in order, none twice. Saved in the
transaction of the registration that takes the number, so two registrations at one office race on this
stream's version and the loser decides again with the next serial."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.core.guangzhou import District
from civicledger.domains.marriage.rules import CertificateKind, certificate_number


def certificate_book_id(office: District, kind: CertificateKind, year: int) -> UUID:
    return uuid5(NAMESPACE_URL, f"civicledger:marriage:certificates:{office.value}:{kind.name}:{year}")


class CertificateBook(CivicAggregate):
    """Serials 1, 2, 3 ... of one office, kind and year."""

    class Opened(CivicAggregate.Created):
        office: str
        kind: str
        year: int

    @event(Opened)
    def __init__(self, office: str, kind: str, year: int) -> None:
        self.office = office
        self.kind = kind
        self.year = year
        self.last_serial = 0

    def issue(self, registration_id: UUID) -> str:
        number = certificate_number(CertificateKind[self.kind], District(self.office), self.year,
                                    self.last_serial + 1)
        self._issued(serial=self.last_serial + 1, certificate_number=number, registration_id=registration_id)
        return number

    class NumberIssued(CivicAggregate.Event):
        serial: int
        certificate_number: str
        registration_id: UUID

    @event(NumberIssued)
    def _issued(self, serial: int, certificate_number: str, registration_id: UUID) -> None:
        self.last_serial = serial
