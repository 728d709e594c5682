"""The time bank's entries on volunteers' timelines: hours verified (banked), records rejected, redemptions and
household transfers. Summaries name hours and organisers (organisations), never free text a person typed: a
redemption's service and provider are free text and may name a person, so they stay in the time bank's own
ledger (`timeBankLedger`), masked by its rules, and the timeline says only that hours were redeemed."""

from __future__ import annotations

from decimal import Decimal

from civicledger.core.timeline import TimelineContribution, entry
from civicledger.domains.timebank.account import TimeAccount
from civicledger.domains.timebank.record import ServiceRecord


def _h(hours: Decimal) -> str:
    value = hours.normalize()
    return f"{value:f} hour" if value == 1 else f"{value:f} hours"


CONTRIBUTION = TimelineContribution(
    program="timebank",
    rules={
        ServiceRecord.Recorded: lambda e: entry(e.resident_id, "timebank.recorded",
                                                f"Volunteer service of {_h(e.hours)} recorded for"
                                                f" {e.organiser_name} to verify"),
        ServiceRecord.Rejected: lambda e: entry(e.resident_id, "timebank.rejected",
                                                "A volunteer service record was rejected by its organiser"),
        TimeAccount.HoursCredited: lambda e: entry(e.resident_id, "timebank.earned",
                                                   f"{_h(e.hours)} of volunteer service verified by"
                                                   f" {e.organiser_name} and banked"),
        TimeAccount.HoursRedeemed: lambda e: entry(e.resident_id, "timebank.redeemed",
                                                   f"{_h(e.hours)} redeemed for a service"),
        TimeAccount.HoursTransferredOut: lambda e: entry(e.resident_id, "timebank.transferred_out",
                                                         f"{_h(e.hours)} given to a household member"),
        TimeAccount.HoursTransferredIn: lambda e: entry(e.resident_id, "timebank.transferred_in",
                                                        f"{_h(e.hours)} received from a household member"),
    },
)
