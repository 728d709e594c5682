"""Guangzhou reference data: the 11 districts, their resident-ID area codes and real street (jiedao/town)
names. Source: shared/reference/guangzhou.md and the districts' published administrative divisions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from civicledger.core.ascii import fold_fullwidth
from civicledger.core.errors import InvalidInputError


@dataclass(frozen=True)
class DistrictInfo:
    code: str
    name_zh: str
    area_code: str
    streets: tuple[str, ...]


class District(str, Enum):
    LIWAN = "LIWAN"
    YUEXIU = "YUEXIU"
    HAIZHU = "HAIZHU"
    TIANHE = "TIANHE"
    BAIYUN = "BAIYUN"
    HUANGPU = "HUANGPU"
    PANYU = "PANYU"
    HUADU = "HUADU"
    NANSHA = "NANSHA"
    CONGHUA = "CONGHUA"
    ZENGCHENG = "ZENGCHENG"

    @property
    def info(self) -> DistrictInfo:
        return DISTRICTS[self]


DISTRICTS: dict[District, DistrictInfo] = {
    District.LIWAN: DistrictInfo("LIWAN", "荔湾区", "440103", (
        "沙面街", "岭南街", "华林街", "多宝街", "昌华街", "逢源街", "龙津街", "金花街", "彩虹街", "南源街",
        "西村街", "站前街", "桥中街", "白鹤洞街", "冲口街", "花地街", "石围塘街", "茶滘街", "东漖街",
        "海龙街", "东沙街", "中南街")),
    District.YUEXIU: DistrictInfo("YUEXIU", "越秀区", "440104", (
        "洪桥街", "北京街", "六榕街", "流花街", "光塔街", "人民街", "东山街", "农林街", "梅花村街",
        "黄花岗街", "华乐街", "建设街", "大塘街", "珠光街", "大东街", "白云街", "登峰街", "矿泉街")),
    District.HAIZHU: DistrictInfo("HAIZHU", "海珠区", "440105", (
        "赤岗街", "新港街", "昌岗街", "江南中街", "滨江街", "素社街", "海幢街", "南华西街", "龙凤街",
        "沙园街", "南石头街", "凤阳街", "瑞宝街", "江海街", "琶洲街", "南洲街", "华洲街", "官洲街")),
    District.TIANHE: DistrictInfo("TIANHE", "天河区", "440106", (
        "五山街", "员村街", "车陂街", "沙河街", "石牌街", "沙东街", "天河南街", "林和街", "兴华街",
        "棠下街", "天园街", "冼村街", "猎德街", "元岗街", "黄村街", "长兴街", "龙洞街", "凤凰街",
        "前进街", "珠吉街", "新塘街")),
    District.BAIYUN: DistrictInfo("BAIYUN", "白云区", "440111", (
        "三元里街", "松洲街", "景泰街", "同德街", "黄石街", "棠景街", "新市街", "同和街", "京溪街",
        "永平街", "嘉禾街", "均禾街", "石井街", "金沙街", "云城街", "鹤龙街", "白云湖街", "石门街",
        "龙归街", "大源街", "人和镇", "太和镇", "钟落潭镇", "江高镇")),
    District.HUANGPU: DistrictInfo("HUANGPU", "黄埔区", "440112", (
        "黄埔街", "红山街", "鱼珠街", "大沙街", "文冲街", "穗东街", "南岗街", "长洲街", "夏港街",
        "萝岗街", "联和街", "永和街", "东区街", "云埔街", "长岭街", "龙湖街", "九佛街", "新龙镇")),
    District.PANYU: DistrictInfo("PANYU", "番禺区", "440113", (
        "市桥街", "沙头街", "东环街", "桥南街", "小谷围街", "大石街", "洛浦街", "石壁街", "钟村街",
        "大龙街", "沙湾街", "南村镇", "新造镇", "化龙镇", "石楼镇", "石碁镇")),
    District.HUADU: DistrictInfo("HUADU", "花都区", "440114", (
        "新华街", "新雅街", "秀全街", "花城街", "狮岭镇", "花山镇", "花东镇", "炭步镇", "赤坭镇", "梯面镇")),
    District.NANSHA: DistrictInfo("NANSHA", "南沙区", "440115", (
        "南沙街", "珠江街", "龙穴街", "万顷沙镇", "横沥镇", "黄阁镇", "东涌镇", "大岗镇", "榄核镇")),
    District.CONGHUA: DistrictInfo("CONGHUA", "从化区", "440117", (
        "街口街", "城郊街", "江埔街", "温泉镇", "良口镇", "吕田镇", "太平镇", "鳌头镇")),
    District.ZENGCHENG: DistrictInfo("ZENGCHENG", "增城区", "440118", (
        "荔城街", "增江街", "朱村街", "永宁街", "荔湖街", "宁西街", "新塘镇", "石滩镇", "中新镇",
        "派潭镇", "小楼镇", "正果镇", "仙村镇")),
}

AREA_CODE_TO_DISTRICT = {info.area_code: district for district, info in DISTRICTS.items()}


class UnknownDistrictError(InvalidInputError):
    def __init__(self, value: object) -> None:
        super().__init__(f"unknown district {value!r}; expected one of Guangzhou's 11 districts",
                         field="district", value=str(value))


class UnknownStreetError(InvalidInputError):
    def __init__(self, district: District, street: str) -> None:
        super().__init__(f"{street!r} is not a street of {district.info.name_zh}", field="street",
                         district=district.value, street=street)


def district_name(code: str) -> str:
    """The district's Chinese name, or the code itself when it is not one of the eleven."""
    try:
        return District(code).info.name_zh
    except ValueError:
        return code


def parse_district(value: str) -> District:
    """Accept the code (`HAIZHU`), any case, or the Chinese name (`海珠区`)."""
    if isinstance(value, District):
        return value
    key = str(value).strip()
    # ASCII before upper-casing: `str.upper` turns some other letters into ASCII ones (`ſ` → `S`, `ﬀ` → `FF`).
    found = _BY_CODE.get(key.upper()) if key.isascii() else None
    if found is None:
        found = _BY_NAME.get(key)
    if found is None:
        raise UnknownDistrictError(value)
    return found


def check_street(district: District, street: str) -> str:
    street = street.strip()
    if street not in _STREETS[district]:
        raise UnknownStreetError(district, street)
    return street


# Lookups by code, by Chinese name and of streets: dicts and sets made once (a command validates an address).
_BY_CODE = {district.value: district for district in DISTRICTS}
_BY_NAME = {info.name_zh: district for district, info in DISTRICTS.items()}
_STREETS = {district: frozenset(info.streets) for district, info in DISTRICTS.items()}


# Explicit [0-9]: `\d` matches every script's digits, and a phone number is ASCII by construction.
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"020-?[0-9]{8}")
_SEPARATORS = re.compile(r"[ ()]")


def normalise_phone(raw: str | None) -> str | None:
    """An 11-digit mainland mobile or a Guangzhou (020) landline in ASCII digits: full-width forms folded,
    spaces, brackets and +86 removed; None when blank. ValueError when it is neither."""
    if raw is None or not raw.strip():
        return None
    phone = _SEPARATORS.sub("", fold_fullwidth(raw).strip())
    phone = phone[3:] if phone.startswith("+86") else phone
    if not phone.isascii() or not (_MOBILE.fullmatch(phone) or _LANDLINE.fullmatch(phone)):
        raise ValueError("an 11-digit mainland mobile or a Guangzhou landline")
    return phone
