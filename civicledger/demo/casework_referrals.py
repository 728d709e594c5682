"""The casework demo's corner of three-society linkage: a community committee on 江海街 and the Jianghai station
as a linkage party collect needs, refer them to the station, and ask casework to take the residents in at the
Jianghai casework station. The linkage process (`processes/linkage_programs.py`) files each request once the
server runs, and reports the case's outcome back to the referral when the case closes — the same loop as in
production, with nothing done here on its behalf."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from uuid import UUID

from civicledger.core.metadata import Actor, CommandContext
from civicledger.domains.linkage import commands as lc
from civicledger.domains.linkage.values import Confirmation, ConfirmationMethod

if TYPE_CHECKING:
    from civicledger.demo.casework import DemoStation
    from civicledger.demo.world import DemoWorld

ADMIN = Actor(id="demo-loader", role="admin", office="CIVIL-AFFAIRS-BUREAU", district=None)
COMMUNITY = ("HAIZHU", "江海街", "海联社区")
COMMITTEE_OFFICE, LINKAGE_STATION_OFFICE = "HAIZHU-HAILIAN-CC", "HAIZHU-JIANGHAI-STATION"
REFERRALS = (("CHILDREN_IN_DIFFICULTY", "YOUTH", "孩子长期缺课,家长希望社工介入"),
             ("HARDSHIP_HOUSEHOLDS", "FAMILY", "家庭变故后夫妻关系紧张,需要家庭辅导"),
             ("CORRECTIONS_AND_RECOVERY", "FAMILY", "家人刚刑满释放,家庭需要支持"))


def _ctx(actor: Actor, key: str) -> CommandContext:
    return CommandContext(actor=actor, reason="demo data", idempotency_key=f"demo-casework:linkage:{key}",
                          origin="civicledger demo")


def refer_to_casework(world: DemoWorld, station: DemoStation, resident: Callable[[str], UUID | None]) -> int:
    """Needs of Haizhu residents referred to the station, each asking casework to open a case at `station`;
    returns the number of referrals."""
    linkage = world.services.linkage
    district, street, community = COMMUNITY
    committee = linkage.register_organisation(lc.RegisterOrganisation(
        f"{community}居民委员会", "COMMUNITY_COMMITTEE", district, street, community, COMMITTEE_OFFICE),
        _ctx(ADMIN, "committee")).stream_id
    party = linkage.register_organisation(lc.RegisterOrganisation(
        "江海街家庭综合服务中心(个案服务)", "SOCIAL_WORK_STATION", district, street, None, LINKAGE_STATION_OFFICE),
        _ctx(ADMIN, "station")).stream_id
    committee_staff = Actor("hailian-cc-zhou", "caseworker", COMMITTEE_OFFICE, district)
    station_staff = station.worker(0)
    made = 0
    for n, (sub_item, service, description) in enumerate(REFERRALS):
        rid = resident(district)
        if rid is None:
            break
        signed = Confirmation(ConfirmationMethod.SIGNED_FORM, f"demo-casework-consent-{n}")
        need = linkage.collect_need(lc.CollectNeed(rid, committee, "VISIT", sub_item, "ROUTINE", description,
                                                   None, True, signed), _ctx(committee_staff, f"{n}:need")).stream_id
        referral = linkage.refer_need(lc.ReferNeed(need, party, share_personal_data=True),
                                      _ctx(committee_staff, f"{n}:refer")).stream_id
        linkage.accept_referral(lc.AcceptReferral(referral), _ctx(station_staff, f"{n}:accept"))
        linkage.request_program_application(lc.RequestProgramApplication(
            referral, None, description, (), program="casework", scheme=service, unit_id=station.id),
            _ctx(station_staff, f"{n}:casework"))
        made += 1
    return made
