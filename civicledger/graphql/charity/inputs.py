"""What charity queries filter by and mutations take; quantities as decimal strings, checked by the service."""

from __future__ import annotations

from datetime import date

import strawberry

from civicledger.domains.charity import commands as c
from civicledger.domains.charity.values import Confirmation, ConfirmationMethod
from civicledger.graphql.charity.types import NeedCategoryEnum, NeedSourceEnum, NeedStatusEnum, SupportKindEnum
from civicledger.graphql.conventions import describe_enum_values
from civicledger.graphql.relay import uuid_of

KEY = "Safe retries: the same key returns the first result and writes nothing (1–200 visible ASCII characters)."
VERSION = "Optional: the stream's version you read; a stale one is CONFLICT and writes nothing."
QUANTITY = "Yuan for MONEY (e.g. \"800.00\", at most 10,000,000); whole units for GOODS and SERVICES (1–100,000)."
ConfirmationMethodEnum = strawberry.enum(ConfirmationMethod, name="CharityConfirmationMethod",
                                         description="How the resident confirmed their consent.")
describe_enum_values("CharityConfirmationMethod", {
    "SIGNED_FORM": "A consent form the resident signed.",
    "IN_PERSON": "Confirmed in person to a caseworker.",
    "PHONE_CALLBACK": "Confirmed on a call-back by the bureau.",
    "SMS_REPLY": "Confirmed by a text-message reply.",
    "ONLINE": "Confirmed online.",
})

SOURCE_TYPES = {"LINKAGE": "Need", "ASSISTANCE": "AssistanceCase", "CASEWORK": "CaseworkCase"}


@strawberry.input(name="CharityNeedFilter", description="Any combination; none: every need.")
class CharityNeedFilter:
    status: NeedStatusEnum | None = strawberry.field(default=None, description="Only this status.")  # type: ignore[valid-type]
    district: str | None = strawberry.field(default=None, description="District code or name.")
    category: NeedCategoryEnum | None = strawberry.field(default=None, description="Only this category.")  # type: ignore[valid-type]
    kind: SupportKindEnum | None = strawberry.field(default=None, description="Only this kind.")  # type: ignore[valid-type]


@strawberry.input(name="CharityConsentConfirmationInput", description="The resident's confirmation of consent to "
                                                                      "publication.")
class ConsentConfirmationInput:
    method: ConfirmationMethodEnum = strawberry.field(description="How it was confirmed.")  # type: ignore[valid-type]
    reference: str = strawberry.field(description="What finds the signed form or log (at most 120 characters).")


@strawberry.input(name="PublishCharityNeedInput", description="Caseworkers and supervisors of the case's district; "
                                                              "only with the resident's consent.")
class PublishCharityNeedInput:
    source: NeedSourceEnum = strawberry.field(description="The program of the case.")  # type: ignore[valid-type]
    source_id: strawberry.ID = strawberry.field(description="The case: a linkage Need, an AssistanceCase or a "
                                                            "CaseworkCase (global id or UUID).")
    category: NeedCategoryEnum = strawberry.field(description="The field of need.")  # type: ignore[valid-type]
    kind: SupportKindEnum = strawberry.field(description="What kind of support.")  # type: ignore[valid-type]
    quantity: str = strawberry.field(description=QUANTITY)
    summary: str = strawberry.field(description="Anonymous: no name, ID or phone number (at most 500 characters).")
    needed_by: date | None = strawberry.field(default=None, description="A date to come, if any.")
    consent_confirmation: ConsentConfirmationInput | None = strawberry.field(
        default=None, description="Required when the source program records no consent (assistance, casework).")
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.PublishCharityNeed:
        confirmation = (Confirmation(ConfirmationMethod(self.consent_confirmation.method.value),
                                     self.consent_confirmation.reference) if self.consent_confirmation else None)
        return c.PublishCharityNeed(self.source.value, uuid_of(self.source_id, SOURCE_TYPES[self.source.value]),
                                    self.category.value, self.kind.value, self.quantity, self.summary, self.needed_by,
                                    confirmation)


@strawberry.input(name="WithdrawCharityNeedInput", description="With a reason (e.g. consent withdrawn).")
class WithdrawCharityNeedInput:
    need_id: strawberry.ID = strawberry.field(description="The need.")
    reason: str = strawberry.field(description="Why (at most 2,000).")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.WithdrawCharityNeed:
        return c.WithdrawCharityNeed(uuid_of(self.need_id, "CharityNeed"), self.expected_version)


@strawberry.input(name="RegisterCharityOfferInput", description="A donor's offer (charity platforms, staff, admins).")
class RegisterCharityOfferInput:
    donor_name: str = strawberry.field(description="The donor (at most 120 characters).")
    kind: SupportKindEnum = strawberry.field(description="Money, goods or services.")  # type: ignore[valid-type]
    quantity: str = strawberry.field(description=QUANTITY)
    description: str = strawberry.field(description="What is offered (at most 500 characters).")
    categories: list[NeedCategoryEnum] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Only these categories (empty: any).")
    districts: list[str] = strawberry.field(default_factory=list, description="Only these districts (empty: any; "
                                                                              "at most 11).")
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.RegisterCharityOffer:
        return c.RegisterCharityOffer(self.donor_name, self.kind.value, self.quantity, self.description,
                                      tuple(x.value for x in self.categories), tuple(self.districts))


@strawberry.input(name="ProposeCharityMatchInput", description="Checked against the offer's conditions and both "
                                                               "quantities.")
class ProposeCharityMatchInput:
    need_id: strawberry.ID = strawberry.field(description="The need.")
    offer_id: strawberry.ID = strawberry.field(description="The offer.")
    quantity: str = strawberry.field(description=QUANTITY)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.ProposeCharityMatch:
        return c.ProposeCharityMatch(uuid_of(self.need_id, "CharityNeed"), uuid_of(self.offer_id, "CharityOffer"),
                                     self.quantity)


@strawberry.input(name="DecideCharityMatchInput", description="Caseworkers and supervisors of the need's district; "
                                                              "declining needs a reason.")
class DecideCharityMatchInput:
    match_id: strawberry.ID = strawberry.field(description="The match.")
    reason: str | None = strawberry.field(default=None, description="Why (required to decline; at most 2,000).")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.AcceptCharityMatch:
        return c.AcceptCharityMatch(uuid_of(self.match_id, "CharityMatch"), self.expected_version)

    def to_decline(self) -> c.DeclineCharityMatch:
        return c.DeclineCharityMatch(uuid_of(self.match_id, "CharityMatch"), self.expected_version)


@strawberry.input(name="ConfirmCharityFulfilmentInput", description="Caseworkers and supervisors of the need's "
                                                                    "district.")
class ConfirmCharityFulfilmentInput:
    match_id: strawberry.ID = strawberry.field(description="The match.")
    outcome: str = strawberry.field(description="The anonymous outcome the donor reads (no name, ID or phone "
                                                "number; at most 500 characters).")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.ConfirmCharityFulfilment:
        return c.ConfirmCharityFulfilment(uuid_of(self.match_id, "CharityMatch"), self.outcome, self.expected_version)
