"""What professional social work (专业社会工作服务) offers: the stations' own services and the 15 special projects.

The bureau's account (特色工作之二) says the city has 188 street- and community-level social-work stations
(社工站/家综) whose services cover family, elder and youth services (家庭服务、长者服务、青少年服务), and 15 special
projects (专项服务项目), naming four of them: services for elders who lost their only child (失独老人服务),
community corrections (社区矫正), medical social work (医务社工服务) and marriage and family services (婚姻家庭服务).

It does not list the other eleven. Our reading, to be confirmed with the bureau:
- seven come from the fields the same section puts under the "社工+" strategy that are fields of service to
  residents: youth affairs (青少年事务), enterprise social work (企业社工), judicial social work (司法社工), newcomers
  to Guangzhou (来穗人员), vagrants and beggars (流浪救助), drug rehabilitation (禁毒) and mental-health recovery
  (精神康复) — the others in that list (community, government-funded, charity, inter-city cooperation) are ways
  of organising or funding the work, not services;
- four are common special projects of the city's family service centres that the account does not name:
  disability (残疾人社工服务), children in difficulty (困境儿童保护), social-assistance casework (社会救助社工服务)
  and school social work (学校社工).

Codes are stored in events: a project is renamed by its label, never by its code."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from civicledger.domains.casework.errors import CaseworkServiceUnknownError


class ServiceKind(str, Enum):
    STATION = "STATION"  # a service every station (家综) runs
    SPECIAL_PROJECT = "SPECIAL_PROJECT"  # 专项服务项目


class StationLevel(str, Enum):
    STREET = "STREET"  # 街(镇)级社工站 (the family service centre of a street or town)
    COMMUNITY = "COMMUNITY"  # 社区级社工站


@dataclass(frozen=True)
class Service:
    code: str
    kind: ServiceKind
    label: str
    label_zh: str
    named_in_account: bool  # False: our reading (see the module docstring)


_ST, _SP = ServiceKind.STATION, ServiceKind.SPECIAL_PROJECT

SERVICES: tuple[Service, ...] = (
    Service("FAMILY", _ST, "family services", "家庭服务", True),
    Service("ELDER", _ST, "elder services", "长者服务", True),
    Service("YOUTH", _ST, "youth services", "青少年服务", True),
    # the four special projects the account names
    Service("BEREAVED_PARENTS", _SP, "elders who lost their only child", "失独老人服务", True),
    Service("COMMUNITY_CORRECTIONS", _SP, "community corrections", "社区矫正", True),
    Service("MEDICAL_SOCIAL_WORK", _SP, "medical social work", "医务社工服务", True),
    Service("MARRIAGE_AND_FAMILY", _SP, "marriage and family services", "婚姻家庭服务", True),
    # from the account's "社工+" fields
    Service("YOUTH_AFFAIRS", _SP, "youth affairs (young people at risk)", "青少年事务社工服务", True),
    Service("ENTERPRISE_SOCIAL_WORK", _SP, "enterprise social work", "企业社工服务", True),
    Service("JUDICIAL_SOCIAL_WORK", _SP, "judicial social work", "司法社工服务", True),
    Service("NEWCOMERS", _SP, "newcomers to Guangzhou", "来穗人员社工服务", True),
    Service("VAGRANT_AID", _SP, "vagrants and beggars", "流浪救助社工服务", True),
    Service("DRUG_REHABILITATION", _SP, "drug rehabilitation", "禁毒社工服务", True),
    Service("MENTAL_HEALTH_RECOVERY", _SP, "mental-health recovery", "精神康复社工服务", True),
    # our reading: not named in the account
    Service("DISABILITY", _SP, "people with disabilities", "残疾人社工服务", False),
    Service("CHILDREN_IN_DIFFICULTY", _SP, "children in difficulty", "困境儿童保护", False),
    Service("SOCIAL_ASSISTANCE_CASEWORK", _SP, "casework with assistance households", "社会救助社工服务", False),
    Service("SCHOOL_SOCIAL_WORK", _SP, "school social work", "学校社工", False),
)

BY_CODE: dict[str, Service] = {s.code: s for s in SERVICES}
STATION_SERVICES: tuple[str, ...] = tuple(s.code for s in SERVICES if s.kind is ServiceKind.STATION)
SPECIAL_PROJECTS: tuple[Service, ...] = tuple(s for s in SERVICES if s.kind is ServiceKind.SPECIAL_PROJECT)


def service(code: object, field: str = "service") -> Service:
    """The service with this code (case-insensitive), or `CaseworkServiceUnknownError` listing the known ones."""
    value = str(code or "").strip()
    found = BY_CODE.get(value.upper() if value.isascii() else value)  # ASCII first: `"ſ".upper()` is "S"
    if found is None:
        raise CaseworkServiceUnknownError(value[:40], field, allowed=[s.code for s in SERVICES])
    return found
