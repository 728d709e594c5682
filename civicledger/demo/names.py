"""Synthetic but realistic residents: common Chinese surnames (weighted roughly by frequency), given names,
valid ID numbers, real Guangzhou streets, and migrants from the provinces that send most people to Guangzhou."""

from __future__ import annotations

import random
from datetime import date, timedelta

from civicledger.core.guangzhou import DISTRICTS, District
from civicledger.core.resident_id import make_resident_id

SURNAMES = (
    ("王", 7.1), ("李", 7.0), ("张", 6.7), ("刘", 5.4), ("陈", 6.8), ("杨", 3.1), ("黄", 3.5), ("赵", 2.3),
    ("吴", 2.0), ("周", 1.9), ("徐", 1.6), ("孙", 1.5), ("马", 1.3), ("朱", 1.3), ("胡", 1.3), ("郭", 1.1),
    ("何", 1.6), ("林", 1.9), ("罗", 1.4), ("梁", 1.8), ("郑", 1.1), ("谢", 1.0), ("冯", 0.9), ("邓", 1.0),
    ("曾", 0.9), ("彭", 0.8), ("蔡", 0.8), ("潘", 0.7), ("卢", 0.7), ("钟", 0.8), ("叶", 0.7), ("区", 0.3),
    ("麦", 0.3), ("邝", 0.2), ("冼", 0.2), ("谭", 0.6), ("余", 0.6), ("苏", 0.6), ("黎", 0.6), ("莫", 0.4),
)
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文海婷雪梅琳晓东嘉欣浩宇子轩"
    "思彤颖诗慧俊杰家豪梓涵若曦淑珍美玲锦荣耀祖炳坤润桃惠贤少华伟雄永康健德嘉怡凯琪"
)
COMMUNITY_SUFFIXES = ("社区", "社区", "社区", "村")
COMMUNITY_PREFIXES = (
    "红卫", "新风", "南华", "宝岗", "东晓", "怡乐", "金碧", "翠竹", "穗花", "聚德", "瑞宝", "江燕", "龙潭",
    "石溪", "五羊", "杨箕", "天河北", "华景", "棠德", "员村", "花城", "下围", "荔景", "桥东", "沙园",
)
# Area codes of the provinces most of Guangzhou's migrants come from (Hunan, Guangxi, Jiangxi, Sichuan,
# Henan, Hubei) and of other Guangdong cities (Shantou, Zhanjiang, Maoming, Meizhou, Qingyuan).
MIGRANT_AREA_CODES = (
    "430102", "430321", "431102", "450102", "450821", "360102", "362402", "510104", "511302", "410102",
    "411302", "420102", "421002", "440507", "440803", "440902", "441402", "441802",
)
HOUSEHOLD_SIZES = ((1, 0.26), (2, 0.30), (3, 0.22), (4, 0.13), (5, 0.06), (6, 0.03))


def weighted(rng: random.Random, items: tuple[tuple[object, float], ...]) -> object:
    values, weights = zip(*items, strict=True)
    return rng.choices(values, weights=weights, k=1)[0]


def chinese_name(rng: random.Random, surname: str | None = None) -> str:
    surname = surname or str(weighted(rng, SURNAMES))
    given = "".join(rng.choice(GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2, 2))))
    return surname + given


def birth_date(rng: random.Random, min_age: int, max_age: int, today: date) -> date:
    age_days = rng.randint(min_age * 365, max_age * 365 + 364)
    return today - timedelta(days=age_days)


def resident_id(rng: random.Random, area_code: str, born: date, male: bool, used: set[str]) -> str:
    while True:
        sequence = rng.randrange(1, 999)
        if (sequence % 2 == 1) != male:
            sequence += 1 if sequence < 998 else -1
        value = make_resident_id(area_code, born, sequence)
        if value not in used:
            used.add(value)
            return value


def phone(rng: random.Random) -> str:
    return rng.choice(("13", "15", "18", "17", "19")) + "".join(str(rng.randrange(10)) for _ in range(9))


def community(rng: random.Random) -> str:
    return rng.choice(COMMUNITY_PREFIXES) + rng.choice(COMMUNITY_SUFFIXES)


def pick_district(rng: random.Random) -> District:
    # Weighted roughly by population: Baiyun, Panyu, Tianhe, Haizhu largest; Conghua, Nansha smallest.
    weights = {District.BAIYUN: 3.7, District.PANYU: 2.8, District.TIANHE: 2.2, District.HAIZHU: 1.8,
               District.HUANGPU: 1.3, District.ZENGCHENG: 1.5, District.HUADU: 1.6, District.YUEXIU: 1.0,
               District.LIWAN: 1.1, District.NANSHA: 0.9, District.CONGHUA: 0.7}
    return rng.choices(list(weights), weights=list(weights.values()), k=1)[0]


def street_of(rng: random.Random, district: District) -> str:
    return rng.choice(DISTRICTS[district].streets)
