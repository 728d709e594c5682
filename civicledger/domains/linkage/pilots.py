"""The first 12 pilot communities of advantage-led three-society linkage (首批共选取12个社区开展试点).

The account gives the number, not the names; these are plausible communities on real streets of six
districts, standing in until the bureau's list is loaded. A community committee registered for one of them
is flagged as a pilot."""

from __future__ import annotations

PILOT_COMMUNITIES: tuple[tuple[str, str, str], ...] = (
    ("YUEXIU", "农林街", "五羊社区"),
    ("YUEXIU", "六榕街", "净慧社区"),
    ("LIWAN", "逢源街", "文爱社区"),
    ("LIWAN", "多宝街", "宝源社区"),
    ("HAIZHU", "江海街", "红卫社区"),
    ("HAIZHU", "南华西街", "龙导尾社区"),
    ("TIANHE", "石牌街", "华师社区"),
    ("TIANHE", "沙河街", "濂泉社区"),
    ("BAIYUN", "三元里街", "三元里社区"),
    ("HUANGPU", "红山街", "红山社区"),
    ("PANYU", "市桥街", "东涌社区"),
    ("ZENGCHENG", "荔城街", "西门社区"),
)


def is_pilot(district: str, street: str, community: str | None) -> bool:
    return (district, street, community or "") in PILOT_COMMUNITIES
