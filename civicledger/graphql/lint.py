"""The schema documents itself, and this lint keeps it so (CI: `python -m civicledger.graphql.lint`).

It builds the schema of every program and fails when:

- `description`: a type, field, argument, input field or enum value (queries, mutations and subscriptions are
  fields of their root types) has no description;
- `list`: an output field returns a list that can grow instead of a Relay connection (`first`/`after`); a list
  that is small and closed by nature is allowed in `SMALL_LISTS` below, each with its reason;
- `connection-args`: a connection field lacks `first` or `after`;
- `page-limit`: a connection field's description does not state its page-size limit (a number with "at most",
  "up to", "maximum" or "max").

Each gap has a stable name (`description:Query.residents(first)`, `list:Household.members`, ...). Gaps known
when the lint was introduced are listed in `lint_known.txt` (`--write-known` regenerates it): they are
reported as a count; any other gap fails. A known gap that is gone is reported, so the list can be shrunk."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
)

KNOWN_FILE = "lint_known.txt"
BUILT_IN = {"String", "Int", "Float", "Boolean", "ID"}

# Lists that are small and closed by nature: the whole list is always the right answer. `Type.field` -> why.
SMALL_LISTS: dict[str, str] = {
    "Query.projectionStatus": "one row per read model of this build (a few dozen, fixed by the code)",
    "Query.assistanceStandards": "one standard per assistance program (8 programs, fixed by regulation)",
    "Query.linkageTaxonomy": "the need categories of the linkage taxonomy (fixed, about ten)",
    "Query.caseworkServices": "the casework service types of the bureau's catalogue (fixed, under 20)",
    "Viewer.scopes": "a token's scopes: at most the few scopes there are",
    "AssistanceAssessment.findings": "the assessment rules' findings: at most one per rule",
    "AssistanceCase.findings": "the assessment rules' findings: at most one per rule",
    "AssistanceCase.decisionInputs": "the inputs of the decision: a fixed set per program",
    "AssistanceCase.members": "the applying household's members (a family)",
    "AssistanceCase.memberMeans": "one entry per member of the applying household",
    "AssistanceCase.sourcesFailed": "at most the 26 verification sources",
    "AssistanceCase.verification": "the verification matrix: household members x the 26 sources",
    "AssistanceMemberMeans.flags": "the means rules' flags on one member: at most one per rule",
    "AssistanceVerificationCell.flags": "what one source said of one member: at most one flag per check",
    "AssistancePayroll.totals": "one total per program and entitlement kind (fixed sets)",
    "CaseworkCase.needAreas": "need areas from the casework taxonomy (fixed)",
    "CaseworkSession.goalsAddressed": "some of the service plan's goals",
    "CaseworkStation.services": "service types of the bureau's catalogue (fixed, under 20)",
    "CommunityDashboard.needsByCategory": "one count per need category (fixed taxonomy)",
    "CommunityDashboard.referralsByStatus": "one count per referral status (fixed)",
    "Household.members": "a household registration's members (a family)",
    "LinkageCategory.subItems": "the sub-items of one taxonomy category (fixed)",
    "LinkageOrganisation.serviceDistricts": "at most Guangzhou's 11 districts",
    "LinkageRoutingTable.routes": "one route per need category (fixed taxonomy)",
    "MealCanteen.openingDays": "at most the 7 days of the week",
    "MealElder.dietaryNeeds": "values of a small enum (each at most once)",
    "MealRuleRevision.categories": "one rule per subsidy category (fixed)",
    "PersonalDataRead.fields": "the personal fields read: at most the personal fields a type has",
    "RecordedEvent.personalFields": "the personal fields of one event class (fixed by its code)",
    "StreamState.personalFields": "the personal fields of one aggregate (fixed by its code)",
    "Meal.productionRuns": "a meal comes from 1 to 4 production runs (RecordMealsInput)",
    "ProductionRun.supplierBatches": "a run is cooked from 1 to 30 supplier batches (RecordProductionRunInput)",
    "FundingRound.categories": "a call's categories: each of the 6 PhilanthropyCategory values at most once",
    "FundingRound.criteria": "1 to 10 scoring criteria per call (philanthropy rules, MAX_CRITERIA)",
    "Proposal.milestones": "a plan has at most 12 milestones (philanthropy rules, MAX_MILESTONES)",
    "Proposal.evaluations": "at most 2: one mid-term and one final (a second of a stage is refused)",
    "ProposalReview.scores": "one score per criterion of the round (at most 10)",
    "CharityOffer.categories": "each of the 8 CharityNeedCategory values at most once",
    "CharityOffer.districts": "at most Guangzhou's 11 districts, each once",
    "CharityCampaign.partners": "2 to 20 partner organisations (charity campaigns, MAX_PARTNERS)",
    "CharityPledge.receipts": "at most 50 receipts per pledge (the 51st is refused, MAX_RECEIPTS_PER_PLEDGE)",
    "MarriageAppointment.parties": "the appointment's two parties",
    "DeliberationItem.tasks": "at most 20 execution tasks per item (deliberation rules, MAX_TASKS)",
    "DeliberationReport.outcomes": "one count per outcome kind (4 kinds, each at most once)",
    "Query.marriageStatistics": "one row per office and month: at most 11 offices x 24 months",
    "CaseworkServicePlan.goals": "a service plan has at most 10 goals (casework rules, MAX_GOALS)",
    "CaseworkReview.progress": "a review gives the progress of every goal of the plan once (at most 10)",
    "MealRulePreview.lines": "one line per subsidy category and locality: 4 x 3",
    "MealDayPayload.meals": "the meals one RecordMeals sheet carries: at most 500 (MAX_MEALS_PER_SHEET)",
    "IntegrityReport.notes": "at most one note per condition verify notes, each noted once per run: 4 in the code "
                             "(inspection/verify_log.py: no keyed checkpoint; verify_witness.py: torn lines, "
                             "checkpoints not witnessed yet, an empty witness)",
}
# Connections whose page is chosen by arguments of the field above them: `Type.field` -> where.
PAGED_BY_PARENT: dict[str, str] = {
    "AssistancePayroll.lines": "assistancePayroll(first, after)",
}
_LIMIT = re.compile(r"\b(at most|up to|maximum|max\.?|no more than|between \d+ and|page size)\b[^.]*\d"
                    r"|\d+\s*(per page|at most)", re.IGNORECASE)


def _unwrap(type_: object) -> tuple[bool, GraphQLNamedType]:
    """(is a list, the named type inside)."""
    is_list = False
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        if isinstance(type_, GraphQLList):
            is_list = True
        type_ = type_.of_type
    return is_list, type_  # type: ignore[return-value]


def _described(thing: GraphQLNamedType | GraphQLField | GraphQLArgument | object) -> bool:
    text = getattr(thing, "description", None)
    return bool(text and text.strip())


def _is_connection(named: GraphQLNamedType) -> bool:
    return (isinstance(named, GraphQLObjectType) and "edges" in named.fields and "pageInfo" in named.fields)


def gaps(schema: GraphQLSchema) -> Iterator[str]:
    for coordinate in sorted({*SMALL_LISTS, *PAGED_BY_PARENT}):
        type_name, _, field_name = coordinate.partition(".")
        named = schema.type_map.get(type_name)
        if not isinstance(named, GraphQLObjectType) or field_name not in named.fields:
            yield f"stale-allowance:{coordinate}"  # an allow-list entry for what is no longer in the schema
    for name, named in sorted(schema.type_map.items()):
        if name.startswith("__") or name in BUILT_IN:
            continue
        if not _described(named):
            yield f"description:{name}"
        if isinstance(named, GraphQLEnumType):
            for value_name, value in named.values.items():
                if not _described(value):
                    yield f"description:{name}.{value_name}"
        elif isinstance(named, GraphQLInputObjectType):
            for field_name, field in named.fields.items():
                if not _described(field):
                    yield f"description:{name}.{field_name}"
        elif isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            yield from _field_gaps(name, named)
        elif isinstance(named, GraphQLUnionType):
            continue


def _field_gaps(type_name: str, named: GraphQLObjectType | GraphQLInterfaceType) -> Iterator[str]:
    closed_type = _is_connection(named) or type_name in SMALL_LISTS or type_name.endswith("Edge")
    for field_name, field in named.fields.items():
        coordinate = f"{type_name}.{field_name}"
        if not _described(field):
            yield f"description:{coordinate}"
        for arg_name, arg in field.args.items():
            if not _described(arg):
                yield f"description:{coordinate}({arg_name})"
        is_list, inner = _unwrap(field.type)
        if is_list and not closed_type and coordinate not in SMALL_LISTS:
            yield f"list:{coordinate}"
        if _is_connection(inner):
            if not {"first", "after"} <= set(field.args) and coordinate not in PAGED_BY_PARENT:
                yield f"connection-args:{coordinate}"
            if not _LIMIT.search(field.description or ""):
                yield f"page-limit:{coordinate}"


def current_gaps() -> list[str]:
    from civicledger.graphql.schema import build_schema
    from civicledger.settings import Settings

    schema = build_schema(Settings(master_key=bytes(32)))
    return sorted(set(gaps(schema._schema)))


def known_path() -> Path:
    return Path(str(files("civicledger.graphql") / KNOWN_FILE))


def read_known(path: Path | None = None) -> set[str]:
    path = path or known_path()
    if not path.exists():
        return set()
    return {line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")}


def write_known(found: list[str], path: Path | None = None) -> None:
    path = path or known_path()
    header = ("# Known gaps of the schema's documentation (python -m civicledger.graphql.lint --write-known).\n"
              "# Shrink it: describe one, then regenerate. A gap not listed here fails CI.\n")
    path.write_text(header + "".join(f"{gap}\n" for gap in found), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m civicledger.graphql.lint", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write-known", action="store_true", help=f"write today's gaps to {KNOWN_FILE}")
    parser.add_argument("--list", action="store_true", help="print every gap, known ones included")
    args = parser.parse_args(argv)
    found = current_gaps()
    if args.write_known:
        write_known(found)
        print(f"{len(found)} known gap(s) written to {known_path()}")
        return 0
    known = read_known()
    new = [g for g in found if g not in known]
    fixed = sorted(known - set(found))
    if args.list:
        print("\n".join(found))
    if fixed:
        print(f"{len(fixed)} known gap(s) are fixed: remove them (--write-known):", *fixed[:20], sep="\n  ")
    if new:
        print(f"{len(new)} new gap(s) in the schema's documentation:", *new, sep="\n  ", file=sys.stderr)
        print("Describe them (strawberry description=..., with limits, units and masking); a list that can grow"
              " is a connection with first/after, a closed small list goes in SMALL_LISTS with its reason.",
              file=sys.stderr)
        return 1
    print(f"schema lint: no new gaps; {len(set(found) & known)} known gap(s) left ({KNOWN_FILE})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
