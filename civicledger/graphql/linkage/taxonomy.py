"""The linkage taxonomy as GraphQL: 4 categories, 16 sub-items, each with its default lead and SLA."""

from __future__ import annotations

import strawberry

from civicledger.domains.linkage.taxonomy import BY_CODE, CATEGORY_LABELS, SUB_ITEMS, Category, SubItem


@strawberry.type(name="LinkageSubItem", description="One of the 16 sub-items of linkage work.")
class SubItemType:
    code: str
    category: str
    label: str
    label_zh: str
    default_lead_party: str
    default_accept_within_hours: int
    default_complete_within_days: int
    related_program: str | None

    @classmethod
    def of(cls, item: SubItem) -> SubItemType:
        return cls(code=item.code, category=item.category.value, label=item.label, label_zh=item.label_zh,
                   default_lead_party=item.lead.value, default_accept_within_hours=item.accept_within_hours,
                   default_complete_within_days=item.complete_within_days, related_program=item.related_program)


@strawberry.type(name="LinkageCategory", description="One of the 4 categories (四大类).")
class CategoryType:
    code: str
    label: str
    label_zh: str
    sub_items: list[SubItemType]


def sub_item_type(code: str) -> SubItemType:
    item = BY_CODE.get(code)
    if item is None:  # a retired code in old events: still shown
        return SubItemType(code=code, category="", label=code, label_zh=code, default_lead_party="",
                           default_accept_within_hours=0, default_complete_within_days=0, related_program=None)
    return SubItemType.of(item)


def categories() -> list[CategoryType]:
    return [CategoryType(code=c.value, label=CATEGORY_LABELS[c][0], label_zh=CATEGORY_LABELS[c][1],
                         sub_items=[SubItemType.of(s) for s in SUB_ITEMS if s.category is c]) for c in Category]
