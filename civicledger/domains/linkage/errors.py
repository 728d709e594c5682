"""Expected failures of three-society linkage. Each subclasses a core error, so GraphQL answers with that
error's stable code (INVALID_INPUT, FORBIDDEN, RULE_VIOLATION, CONFLICT); the fields say what to fix."""

from __future__ import annotations

from uuid import UUID

from civicledger.core.errors import ConflictError, ForbiddenError, InvalidInputError, RuleViolationError

# -- input ---------------------------------------------------------------------------------------------


class UnknownSubItemError(InvalidInputError):
    def __init__(self, code: str, allowed: list[str]) -> None:
        super().__init__(f"unknown linkage sub-item {code!r}", field="subItem", value=code, allowed=allowed)


class LinkageValueInvalidError(InvalidInputError):
    """A free value outside its allowed set or shape (channel, urgency, satisfaction, a blank text...)."""

    def __init__(self, field: str, problem: str, **details: object) -> None:
        super().__init__(f"{field}: {problem}", field=field, **details)


class LeadPartyDeviationReasonRequiredError(InvalidInputError):
    def __init__(self, proposed: str, chosen: str) -> None:
        super().__init__(
            f"the routing table proposes a {proposed.lower()} as lead; choosing a {chosen.lower()} needs a reason",
            field="deviationReason", proposedLeadParty=proposed, chosenLeadParty=chosen,
        )


class ResidentConfirmationMissingError(InvalidInputError):
    """What a caseworker records on the resident's behalf needs the resident's confirmation."""

    def __init__(self) -> None:
        super().__init__("the resident's confirmation (method and reference) is required", field="confirmation")


# -- who may act ---------------------------------------------------------------------------------------


class NotOrganisationStaffError(ForbiddenError):
    """Acting for an organisation one does not belong to."""

    def __init__(self, organisation_id: UUID, actor_id: str) -> None:
        super().__init__("you are not on the staff of this organisation", organisationId=str(organisation_id),
                         actorId=actor_id)


class NotReferralCoordinatorError(ForbiddenError):
    """Referring, reassigning, sharing and recording the resident's word are the community committee's (or a
    supervisor's) job."""

    def __init__(self, community_id: UUID, actor_id: str) -> None:
        super().__init__("only the community committee's staff or a supervisor may do this",
                         communityId=str(community_id), actorId=actor_id)


class FeedbackNotFromResidentError(ForbiddenError):
    def __init__(self, referral_id: UUID, respondent_id: UUID) -> None:
        super().__init__("only the resident whose need this is may give feedback on it, or withdraw it",
                         referralId=str(referral_id), respondentId=str(respondent_id))


class RoutingChangeForbiddenError(ForbiddenError):
    def __init__(self, role: str) -> None:
        super().__init__("only an admin edits the routing table", role=role)


class OrganisationAdministrationForbiddenError(ForbiddenError):
    def __init__(self, role: str, district: str | None = None) -> None:
        super().__init__("only an admin, or a supervisor of the organisation's district, registers organisations "
                         "and their staff", role=role, district=district)


# -- rules ---------------------------------------------------------------------------------------------


class OrganisationKindError(RuleViolationError):
    def __init__(self, organisation_id: UUID, kind: str, expected: str) -> None:
        super().__init__(f"this organisation is a {kind.lower()}, not a {expected.lower()}",
                         organisationId=str(organisation_id), kind=kind, expected=expected)


class OrganisationOutsideServiceAreaError(RuleViolationError):
    def __init__(self, organisation_id: UUID, district: str) -> None:
        super().__init__("the organisation does not serve this district", organisationId=str(organisation_id),
                         district=district)


class CommunityCommitteeExistsError(ConflictError):
    def __init__(self, community: str) -> None:
        super().__init__("this community already has a committee", community=community)


class StaffMemberAlreadyAddedError(ConflictError):
    def __init__(self, staff_id: str) -> None:
        super().__init__("already on the staff", staffId=staff_id)


class StaffMemberUnknownError(RuleViolationError):
    def __init__(self, staff_id: str) -> None:
        super().__init__("not on the staff", staffId=staff_id)


class NeedNotOpenError(RuleViolationError):
    def __init__(self, need_id: UUID, status: str) -> None:
        super().__init__(f"the need is {status.lower()}", needId=str(need_id), status=status)


class NeedResidentUnavailableError(RuleViolationError):
    def __init__(self, resident_id: UUID, why: str) -> None:
        super().__init__(f"no need can be recorded for this resident: {why}", residentId=str(resident_id))


class ReferralNotPendingError(RuleViolationError):
    def __init__(self, referral_id: UUID, status: str) -> None:
        super().__init__(f"the referral is {status.lower()}, not waiting for an answer", referralId=str(referral_id),
                         status=status)


class ReferralNotActiveError(RuleViolationError):
    def __init__(self, referral_id: UUID, status: str) -> None:
        super().__init__(f"the referral is {status.lower()}: no work can be done on it",
                         referralId=str(referral_id), status=status)


class ReferralNotCompletedError(RuleViolationError):
    def __init__(self, referral_id: UUID, status: str) -> None:
        super().__init__(f"the referral is {status.lower()}; feedback and closure follow completion",
                         referralId=str(referral_id), status=status)


class ReferralClosedError(RuleViolationError):
    def __init__(self, referral_id: UUID, status: str) -> None:
        super().__init__(f"the referral is {status.lower()} and never changes again", referralId=str(referral_id),
                         status=status)


class ReferralNotReassignableError(RuleViolationError):
    def __init__(self, referral_id: UUID, status: str) -> None:
        super().__init__(f"a {status.lower()} referral cannot be reassigned", referralId=str(referral_id),
                         status=status)


class ReassignToSameOrganisationError(RuleViolationError):
    def __init__(self, organisation_id: UUID) -> None:
        super().__init__("the referral is already with this organisation", organisationId=str(organisation_id))


class ReferralNotOverdueError(RuleViolationError):
    def __init__(self, referral_id: UUID) -> None:
        super().__init__("no deadline of this referral has passed unescalated", referralId=str(referral_id))


class PersonalDataSharingWithoutConsentError(RuleViolationError):
    def __init__(self, need_id: UUID) -> None:
        super().__init__("the resident has not consented to sharing; an urgent-safety override needs a reason",
                         needId=str(need_id), field="safetyOverrideReason")


class SafetyOverrideNotUrgentError(RuleViolationError):
    def __init__(self, need_id: UUID, urgency: str) -> None:
        super().__init__("an urgent-safety override is only for urgent needs", needId=str(need_id), urgency=urgency)


class PersonalDataAlreadySharedError(RuleViolationError):
    def __init__(self, organisation_id: UUID) -> None:
        super().__init__("the need's details were already shared with this organisation",
                         organisationId=str(organisation_id))


class TaskOfDeclinedReferralError(RuleViolationError):
    def __init__(self, task_id: UUID, referral_id: UUID) -> None:
        super().__init__("the task belongs to a referral (or an assignment of it) that was declined",
                         taskId=str(task_id), referralId=str(referral_id))


class TaskNotOpenError(RuleViolationError):
    def __init__(self, task_id: UUID, status: str) -> None:
        super().__init__(f"the task is {status.lower()}", taskId=str(task_id), status=status)


class MeetingQuorumError(RuleViolationError):
    def __init__(self, missing: list[str]) -> None:
        super().__init__("a three-party meeting needs the community committee, a social organisation and a "
                         "social-work station", missing=missing)


class ProgramApplicationPendingError(RuleViolationError):
    def __init__(self, referral_id: UUID, program: str) -> None:
        super().__init__(f"an application to {program} is already open for this referral",
                         referralId=str(referral_id), program=program)
