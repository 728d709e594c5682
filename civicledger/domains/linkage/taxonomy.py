"""What three-society linkage covers: 4 categories, 16 sub-items, and who leads each by default.

The bureau's account (特色工作之七) names the four categories — 社区公共服务, 公共事务管理, 社区发展,
特殊人群服务 — and says they hold 16 sub-items, each with the party whose advantage makes it the lead
(优势主导). It does not list the sub-items. The 16 below are our reading of the published implementation
plan's work list, four per category, to be confirmed with the bureau; codes are stored in events, so a
sub-item is renamed by its label, never by its code.

The default lead party and SLA of each sub-item seed the routing table (`routing.py`), which an admin edits
with versioned events. SLAs: hours for the lead party to accept (or decline) a referral, and days from
acceptance to completion. Urgent needs get half of both."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from civicledger.domains.linkage.errors import UnknownSubItemError


class PartyType(str, Enum):
    """The three "societies": who can lead a piece of linkage work."""

    COMMUNITY_COMMITTEE = "COMMUNITY_COMMITTEE"  # 社区居委会: the community's own committee
    SOCIAL_ORGANISATION = "SOCIAL_ORGANISATION"  # 社会组织: registered social organisations
    SOCIAL_WORK_STATION = "SOCIAL_WORK_STATION"  # 社工站/家综: social workers of the family service centres


class Category(str, Enum):
    COMMUNITY_PUBLIC_SERVICES = "COMMUNITY_PUBLIC_SERVICES"  # 社区公共服务
    PUBLIC_AFFAIRS_MANAGEMENT = "PUBLIC_AFFAIRS_MANAGEMENT"  # 公共事务管理
    COMMUNITY_DEVELOPMENT = "COMMUNITY_DEVELOPMENT"  # 社区发展
    SPECIAL_POPULATION_SERVICES = "SPECIAL_POPULATION_SERVICES"  # 特殊人群服务


CATEGORY_LABELS: dict[Category, tuple[str, str]] = {
    Category.COMMUNITY_PUBLIC_SERVICES: ("community public services", "社区公共服务"),
    Category.PUBLIC_AFFAIRS_MANAGEMENT: ("public-affairs management", "公共事务管理"),
    Category.COMMUNITY_DEVELOPMENT: ("community development", "社区发展"),
    Category.SPECIAL_POPULATION_SERVICES: ("special-population services", "特殊人群服务"),
}


@dataclass(frozen=True)
class SubItem:
    code: str
    category: Category
    label: str
    label_zh: str
    lead: PartyType
    accept_within_hours: int
    complete_within_days: int
    # Another program this kind of need often opens (e.g. social assistance); a hint for caseworkers.
    related_program: str | None = None


_C, _P, _D, _S = (Category.COMMUNITY_PUBLIC_SERVICES, Category.PUBLIC_AFFAIRS_MANAGEMENT,
                  Category.COMMUNITY_DEVELOPMENT, Category.SPECIAL_POPULATION_SERVICES)
_CC, _SO, _SW = PartyType.COMMUNITY_COMMITTEE, PartyType.SOCIAL_ORGANISATION, PartyType.SOCIAL_WORK_STATION

SUB_ITEMS: tuple[SubItem, ...] = (
    # 社区公共服务 — services every resident may use
    SubItem("ELDERLY_HOME_CARE", _C, "home care and meals for elders", "居家养老与长者助餐", _SO, 48, 14),
    SubItem("CHILD_AND_YOUTH_SERVICES", _C, "children's and youth services", "儿童青少年服务", _SW, 48, 21),
    SubItem("HEALTH_AND_REHABILITATION", _C, "community health and rehabilitation", "社区健康与康复", _SO, 48, 21),
    SubItem("EMPLOYMENT_AND_SOCIAL_SECURITY", _C, "employment and social-security errands", "就业与社保经办",
            _CC, 24, 10),
    # 公共事务管理 — matters the community manages together
    SubItem("DISPUTE_MEDIATION", _P, "neighbourhood dispute mediation", "邻里纠纷调解", _CC, 24, 7),
    SubItem("ENVIRONMENT_AND_SANITATION", _P, "environment, sanitation and waste sorting", "环境卫生与垃圾分类",
            _CC, 24, 7),
    SubItem("SAFETY_HAZARDS", _P, "safety hazards and public order", "安全隐患与综治", _CC, 8, 3),
    SubItem("PROPERTY_AND_FACILITIES", _P, "property management and shared facilities (e.g. lifts)",
            "物业管理与公共设施", _CC, 48, 30),
    # 社区发展 — building the community's own capacity
    SubItem("COMMUNITY_GROUP_INCUBATION", _D, "incubating community groups", "社区社会组织培育", _SO, 72, 60),
    SubItem("VOLUNTEERING", _D, "volunteering and the time bank", "志愿服务与时间银行", _SW, 72, 30),
    SubItem("CULTURE_AND_RECREATION", _D, "culture, sport and recreation", "社区文体活动", _SO, 72, 30),
    SubItem("MIGRANT_INTEGRATION", _D, "integration of non-registered residents", "来穗人员融入", _SW, 72, 30),
    # 特殊人群服务 — people who need more than the common services
    SubItem("HARDSHIP_HOUSEHOLDS", _S, "households in hardship (assistance, low income, extreme hardship)",
            "困难群众帮扶", _SW, 24, 14, related_program="assistance"),
    SubItem("CHILDREN_IN_DIFFICULTY", _S, "children in difficulty and left-behind children", "困境儿童与留守儿童",
            _SW, 24, 14),
    SubItem("PEOPLE_WITH_DISABILITIES", _S, "people with disabilities", "残疾人服务", _SO, 48, 21),
    SubItem("CORRECTIONS_AND_RECOVERY", _S, "people under community corrections or in drug recovery",
            "社区矫正与戒毒康复", _SW, 24, 30),
)

BY_CODE: dict[str, SubItem] = {s.code: s for s in SUB_ITEMS}


def sub_item(code: str) -> SubItem:
    """The sub-item with this code (case-insensitive), or `UnknownSubItemError` listing the known ones."""
    found = BY_CODE.get(str(code or "").strip().upper())
    if found is None:
        raise UnknownSubItemError(str(code), allowed=[s.code for s in SUB_ITEMS])
    return found


def sub_items_of(category: Category) -> tuple[SubItem, ...]:
    return tuple(s for s in SUB_ITEMS if s.category is category)
