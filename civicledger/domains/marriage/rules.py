"""The law the registry applies (Civil Code of the PRC, in force 2021; the account, 2018):

- Legal ages (art. 1047): a man 22, a woman 20, reached on or before the registration date (a birthday on
  29 February counts on 1 March in a common year).
- One live marriage per person (art. 1041/1042): checked city-wide through a claim per person.
- A man and a woman (art. 1049): the registry registers no other union.
- Divorce by registration (art. 1076/1077): the cooling-off period is the 30 days following the day the
  application was received (art. 201: the first day is not counted): either party may withdraw during it, and
  no divorce is registered during it. In the 30 days after it both parties may register the divorce; an
  application not registered by then is treated as withdrawn (it lapses).
- Certificate numbers: `J` (结婚证) or `L` (离婚证), the office's area code, the year and a 6-digit serial that
  is unique per office, kind and year — e.g. J440105-2026-000001."""

from __future__ import annotations

from datetime import date, timedelta
from enum import Enum

from civicledger.core.guangzhou import DISTRICTS, District

MINIMUM_AGE = {"MALE": 22, "FEMALE": 20}
COOLING_OFF_DAYS = 30
REGISTRATION_WINDOW_DAYS = 30
APPOINTMENT_HORIZON_DAYS = 90
SLOTS = tuple(f"{h:02d}:{m:02d}" for h in (9, 10, 11, 14, 15, 16) for m in (0, 30))


class CertificateKind(str, Enum):
    MARRIAGE = "J"
    DIVORCE = "L"


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def cooling_off_ends(applied_on: date) -> date:
    """The last day of the cooling-off period (withdrawal possible, registration refused up to it)."""
    return applied_on + timedelta(days=COOLING_OFF_DAYS)


def first_registration_day(applied_on: date) -> date:
    return cooling_off_ends(applied_on) + timedelta(days=1)


def lapses_after(applied_on: date) -> date:
    """The last day the divorce may be registered; the day after it the application has lapsed."""
    return cooling_off_ends(applied_on) + timedelta(days=REGISTRATION_WINDOW_DAYS)


def office_area_code(office: District) -> str:
    return DISTRICTS[office].area_code


def certificate_number(kind: CertificateKind, office: District, year: int, serial: int) -> str:
    return f"{kind.value}{office_area_code(office)}-{year}-{serial:06d}"
