"""The linkage taxonomy as GraphQL: 4 categories, 16 sub-items, each with its default lead and SLA."""

from __future__ import annotations

import strawberry

from civicledger.domains.linkage.taxonomy import BY_CODE, CATEGORY_LABELS, SUB_ITEMS, Category, SubItem


@strawberry.type(name="LinkageSubItem", description="One of the 16 sub-items of linkage work.")
class SubItemType:
    code: str = strawberry.field(description="The sub-item's code (what inputs take as subItem).")
    category: str = strawberry.field(description="The code of its category.")
    label: str = strawberry.field(description="Its English label.")
    label_zh: str = strawberry.field(description="Its Chinese label.")
    default_lead_party: str = strawberry.field(description=("The party that leads it unless the routing table says "
                                                            "otherwise."))
    default_accept_within_hours: int = strawberry.field(description=("Hours to accept a referral, by default (halved"
                                                                     " when urgent)."))
    default_complete_within_days: int = strawberry.field(description=("Days to complete it, by default (halved when "
                                                                      "urgent)."))
    related_program: str | None = strawberry.field(description=("The bureau's program it may lead to (e.g. "
                                                                "assistance, casework), if any."))

    @classmethod
    def of(cls, item: SubItem) -> SubItemType:
        return cls(code=item.code, category=item.category.value, label=item.label, label_zh=item.label_zh,
                   default_lead_party=item.lead.value, default_accept_within_hours=item.accept_within_hours,
                   default_complete_within_days=item.complete_within_days, related_program=item.related_program)


@strawberry.type(name="LinkageCategory", description="One of the 4 categories (四大类).")
class CategoryType:
    code: str = strawberry.field(description="The category's code.")
    label: str = strawberry.field(description="Its English label.")
    label_zh: str = strawberry.field(description="Its Chinese label.")
    sub_items: list[SubItemType] = strawberry.field(description="Its sub-items.")


def sub_item_type(code: str) -> SubItemType:
    item = BY_CODE.get(code)
    if item is None:  # a retired code in old events: still shown
        return SubItemType(code=code, category="", label=code, label_zh=code, default_lead_party="",
                           default_accept_within_hours=0, default_complete_within_days=0, related_program=None)
    return SubItemType.of(item)


def categories() -> list[CategoryType]:
    return [CategoryType(code=c.value, label=CATEGORY_LABELS[c][0], label_zh=CATEGORY_LABELS[c][1],
                         sub_items=[SubItemType.of(s) for s in SUB_ITEMS if s.category is c]) for c in Category]
