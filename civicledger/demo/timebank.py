"""The time bank's demo over the residents the demo registered: in one household of five, the first member
volunteers — two services verified by their district's volunteer association, one redemption, and an hour
given to another member of the household. Every command carries a deterministic key: loading again replays."""

from __future__ import annotations

from datetime import timedelta

from civicledger.core.clock import FixedClock, business_date, now, using_clock
from civicledger.core.metadata import Actor, CommandContext
from civicledger.demo.world import DemoWorld
from civicledger.domains.timebank import commands as c
from civicledger.domains.timebank.services import TimeBankService

SERVICES = (("ELDER_CARE", "3", "陪伴社区独居长者、读报聊天"), ("COMMUNITY_AFFAIRS", "2.5", "社区垃圾分类督导"))


def _ctx(actor: Actor, key: str) -> CommandContext:
    return CommandContext(actor=actor, idempotency_key=key, origin="civicledger demo")


def load_timebank(world: DemoWorld) -> int:
    """Returns the number of volunteers."""
    service: TimeBankService = world.services.timebank
    clock = FixedClock(now().replace(minute=0, second=0, microsecond=0))
    bank = TimeBankService(service.ledger, residents=service.residents, clock=clock)
    with using_clock(clock):
        today = business_date()
    volunteers = 0
    for i, (planned, ids, household) in enumerate(zip(world.households, world.member_ids, world.household_ids,
                                                      strict=True)):
        if i % 5 or not ids:
            continue
        district, volunteer = planned.district, ids[0]
        staff = Actor(id=f"demo-cw-{district.lower()}", role="caseworker", office=f"{district}-STATION",
                      district=district)
        association = Actor(id=f"demo-va-{district.lower()}", role="caseworker",
                            office=f"{district}-VOLUNTEER-ASSOCIATION", district=district)
        key = f"demo-timebank:{volunteer}"
        for n, (category, hours, what) in enumerate(SERVICES, start=1):
            record = bank.record_volunteer_service(c.RecordVolunteerService(
                volunteer, association.office or "", f"{district.title()} volunteer association", category,
                today - timedelta(days=7 * n), hours, what), _ctx(staff, f"{key}:record:{n}")).stream_id
            bank.verify_volunteer_service(c.VerifyVolunteerService(record), _ctx(association, f"{key}:verify:{n}"))
        bank.redeem_volunteer_hours(c.RedeemVolunteerHours(volunteer, "1.5", "上门理发", "社区长者服务站"),
                                    _ctx(staff, f"{key}:redeem"))
        if len(ids) > 1:
            bank.transfer_volunteer_hours(c.TransferVolunteerHours(volunteer, ids[1], household, "1"),
                                          _ctx(staff, f"{key}:transfer"))
        volunteers += 1
    return volunteers
