"""Three-society linkage end to end over GraphQL-over-HTTP: organisations, a need walked to the resident's
feedback, the referral's history, queue, dashboard and timeline; masking of the resident's words by role and
by what was shared with whom; the inspectors' view of overrides; typed errors for the issue's bad input."""

from __future__ import annotations

import uuid
from typing import Any

from tests.api.helpers import register
from tests.conftest import ADMIN, CASEWORKER_HAIZHU, CASEWORKER_TIANHE, GQL, INSPECTOR, error_codes, token

REGISTER_ORG = """mutation($i: RegisterLinkageOrganisationInput!) { registerLinkageOrganisation(input: $i) {
  organisationId organisation { id kind pilot } } }"""
COLLECT = """mutation($i: CollectNeedInput!) { collectNeed(input: $i) { needId position
  need { id status description consentGiven subItem { code category } } } }"""
REFER = """mutation($i: ReferNeedInput!) { referNeed(input: $i) { referralId position
  referral { id status leadParty proposedLeadParty due sharing { basis } } } }"""
REFERRAL = """query($id: ID!) { referral(id: $id) { status assignment feedback { satisfaction comment }
  sharing { basis overrideReason description contactPhone }
  need { description contactPhone }
  tasks { edges { node { title status owner { name } } } }
  history { edges { node { kind actorId reason details } } } } }"""
CONFIRMED = {"method": "PHONE_CALLBACK", "reference": "回访记录 0316-07"}


class Community:
    """A community with its three parties, registered through the API by the bureau's admin."""

    def __init__(self, gql: GQL) -> None:
        self.gql = gql
        self.tag = uuid.uuid4().hex[:6]
        self.committee_staff = token("caseworker", district="HAIZHU", office=f"CC-{self.tag}", subject=f"cc-{self.tag}")
        self.org_staff = token("caseworker", district="HAIZHU", office=f"SO-{self.tag}", subject=f"so-{self.tag}")
        self.other_org_staff = token("caseworker", district="HAIZHU", office=f"SO2-{self.tag}",
                                     subject=f"so2-{self.tag}")

    async def register(self) -> Community:
        self.committee = await self._org(f"测试{self.tag}社区居委会", "COMMUNITY_COMMITTEE", f"CC-{self.tag}",
                                         community=f"测试{self.tag}社区")
        self.org = await self._org(f"康乐长者服务中心{self.tag}", "SOCIAL_ORGANISATION", f"SO-{self.tag}")
        self.other_org = await self._org(f"颐康护理服务社{self.tag}", "SOCIAL_ORGANISATION", f"SO2-{self.tag}")
        return self

    async def _org(self, name: str, kind: str, office: str, **extra: str) -> str:
        body = await ok(self.gql, REGISTER_ORG, {"i": {"name": name, "kind": kind, "district": "HAIZHU",
                                                       "street": "江海街", "office": office, **extra}}, ADMIN)
        return body["registerLinkageOrganisation"]["organisation"]["id"]  # type: ignore[no-any-return]


async def ok(gql: GQL, query: str, variables: dict[str, Any], as_: str, **kw: Any) -> dict[str, Any]:
    body = await gql(query, variables, as_=as_, **kw)
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


async def collect(gql: GQL, c: Community, resident: str, *, consent: bool = True, urgency: str = "ROUTINE",
                  sub_item: str = "ELDERLY_HOME_CARE") -> dict[str, Any]:
    confirmation = {"consentConfirmation": CONFIRMED} if consent else {}
    data = await ok(gql, COLLECT, {"i": {"residentId": resident, "communityId": c.committee, "channel": "VISIT",
                                         "subItem": sub_item, "urgency": urgency, "description": "独居长者,需要助餐",
                                         "contactPhone": "13912345678", "consentGiven": consent, **confirmation}},
                    c.committee_staff)
    return data["collectNeed"]["need"]  # type: ignore[no-any-return]


async def test_a_need_walks_the_whole_loop_over_http(gql: GQL) -> None:
    c = await Community(gql).register()
    resident = (await register(gql, as_=CASEWORKER_HAIZHU, name="冼嘉怡"))["resident"]["id"]
    need = await collect(gql, c, resident)
    referral = (await ok(gql, REFER, {"i": {"needId": need["id"], "organisationId": c.org,
                                            "sharePersonalData": True}}, c.committee_staff))["referNeed"]["referral"]

    outsider = await gql("""mutation($i: AcceptReferralInput!) { acceptReferral(input: $i) { position } }""",
                         {"i": {"referralId": referral["id"]}}, as_=c.other_org_staff)
    await ok(gql, """mutation($i: AcceptReferralInput!) { acceptReferral(input: $i) { position } }""",
             {"i": {"referralId": referral["id"]}}, c.org_staff)
    task = (await ok(gql, """mutation($i: OpenLinkageTaskInput!) { openLinkageTask(input: $i) { task { id } } }""",
                     {"i": {"referralId": referral["id"], "title": "上门送餐", "ownerOrganisationId": c.org}},
                     c.org_staff))["openLinkageTask"]["task"]["id"]
    await ok(gql, """mutation($i: CompleteLinkageTaskInput!) { completeLinkageTask(input: $i) { position } }""",
             {"i": {"taskId": task, "outcome": "已送餐一周"}}, c.org_staff)
    await ok(gql, """mutation($i: CompleteReferralInput!) { completeReferral(input: $i) { position } }""",
             {"i": {"referralId": referral["id"], "outcome": "每日午餐上门"}}, c.org_staff)
    stranger = (await register(gql, as_=CASEWORKER_HAIZHU, name="麦伟雄"))["resident"]["id"]
    not_theirs = await gql("""mutation($i: RecordReferralFeedbackInput!) { recordReferralFeedback(input: $i)
                              { position } }""", {"i": {"referralId": referral["id"], "respondentId": stranger,
                                                        "satisfaction": 5, "confirmation": CONFIRMED}},
                           as_=c.committee_staff)
    closed = await ok(gql, """mutation($i: RecordReferralFeedbackInput!) { recordReferralFeedback(input: $i)
                              { position referral { status } } }""",
                      {"i": {"referralId": referral["id"], "respondentId": resident, "satisfaction": 5,
                             "comment": "送餐准时", "confirmation": CONFIRMED}}, c.committee_staff)
    position = closed["recordReferralFeedback"]["position"]

    assert referral["status"] == "REFERRED" and referral["proposedLeadParty"] == "SOCIAL_ORGANISATION"
    assert error_codes(outsider) == ["FORBIDDEN"] and error_codes(not_theirs) == ["FORBIDDEN"]
    assert closed["recordReferralFeedback"]["referral"]["status"] == "CLOSED"
    seen = (await ok(gql, REFERRAL, {"id": referral["id"]}, c.committee_staff,
                     extensions={"minPosition": position}))["referral"]
    assert seen["feedback"] == {"satisfaction": 5, "comment": "送餐准时"}
    assert [e["node"] for e in seen["tasks"]["edges"]] == [
        {"title": "上门送餐", "status": "COMPLETED", "owner": {"name": f"康乐长者服务中心{c.tag}"}}]
    assert [e["node"]["kind"] for e in seen["history"]["edges"]] == [
        "Referral.Referred", "Referral.PersonalDataShared", "Referral.Accepted", "Referral.Completed",
        "Referral.FeedbackGiven", "Referral.Closed"]
    assert all("comment" not in e["node"]["details"] for e in seen["history"]["edges"])
    node = await ok(gql, """query($id: ID!) { node(id: $id) { ... on Referral { referralId status } } }""",
                    {"id": referral["id"]}, c.org_staff)
    assert node["node"]["status"] == "CLOSED"
    timeline = await ok(gql, """query($id: ID!) { resident(id: $id) { timeline(programs: ["linkage"]) {
                                edges { node { kind summary } } } } }""", {"id": resident}, CASEWORKER_HAIZHU)
    kinds = [e["node"]["kind"] for e in timeline["resident"]["timeline"]["edges"]]
    assert kinds[0] == "linkage.referral_closed" and kinds[-1] == "linkage.need_collected"
    assert all("独居" not in e["node"]["summary"] for e in timeline["resident"]["timeline"]["edges"])
    board = await ok(gql, """query($id: ID!) { communityDashboard(communityId: $id) { referralsByStatus { key count }
                             satisfactionMean needsByCategory { key count } } }""", {"id": c.committee}, INSPECTOR)
    assert board["communityDashboard"]["referralsByStatus"] == [{"key": "CLOSED", "count": 1}]
    assert board["communityDashboard"]["satisfactionMean"] == 5.0


async def test_the_residents_words_are_seen_only_by_whom_they_were_shared_with_and_overrides_by_inspectors(
        gql: GQL) -> None:
    c = await Community(gql).register()
    resident = (await register(gql, as_=CASEWORKER_HAIZHU, name="何婉婷"))["resident"]["id"]
    need = await collect(gql, c, resident, consent=False, urgency="URGENT", sub_item="PEOPLE_WITH_DISABILITIES")
    without_reason = await gql(REFER, {"i": {"needId": need["id"], "organisationId": c.org,
                                             "sharePersonalData": True}}, as_=c.committee_staff)
    referred = await ok(gql, REFER, {"i": {"needId": need["id"], "organisationId": c.org, "sharePersonalData": True,
                                           "safetyOverrideReason": "独居残疾人断电断水,存在安全风险"}},
                        c.committee_staff)
    position = referred["referNeed"]["position"]

    views = {label: (await ok(gql, REFERRAL, {"id": referred["referNeed"]["referralId"]}, bearer,
                              extensions={"minPosition": position}))["referral"]
             for label, bearer in [("committee", c.committee_staff), ("lead", c.org_staff),
                                   ("other provider", c.other_org_staff), ("other district", CASEWORKER_TIANHE)]}
    overrides = await ok(gql, """{ linkageDataSharing(basis: "SAFETY_OVERRIDE", first: 50) { edges { node {
                                 overrideReason sharedBy referral { referralId } } } } }""", {}, INSPECTOR)
    refused = await gql("""{ linkageDataSharing { edges { node { basis } } } }""", {}, as_=CASEWORKER_HAIZHU)

    assert error_codes(without_reason) == ["RULE_VIOLATION"]
    assert views["committee"]["need"]["description"] == "独居长者,需要助餐"
    assert views["lead"]["sharing"]["description"] == "独居长者,需要助餐"
    assert views["lead"]["need"]["description"] == "***"  # only through what was shared with them
    assert views["other provider"]["sharing"]["description"] == "***"
    assert views["other district"]["sharing"]["contactPhone"] == "139****5678"
    for view in views.values():
        assert view["sharing"]["basis"] == "SAFETY_OVERRIDE"
        assert view["sharing"]["overrideReason"] == "独居残疾人断电断水,存在安全风险"
    assert {"overrideReason": "独居残疾人断电断水,存在安全风险", "sharedBy": f"cc-{c.tag}",
            "referral": {"referralId": referred["referNeed"]["referralId"]}} in [
        e["node"] for e in overrides["linkageDataSharing"]["edges"]]
    assert error_codes(refused) == ["FORBIDDEN"]


async def test_bad_input_over_http_gets_stable_codes(gql: GQL) -> None:
    c = await Community(gql).register()
    resident = (await register(gql, as_=CASEWORKER_HAIZHU))["resident"]["id"]

    unknown = await gql(COLLECT, {"i": {"residentId": resident, "communityId": c.committee, "channel": "VISIT",
                                        "subItem": "FLYING_CARS", "description": "x"}}, as_=c.committee_staff)
    other_district = await gql(COLLECT, {"i": {"residentId": resident, "communityId": c.committee,
                                               "channel": "VISIT", "subItem": "VOLUNTEERING", "description": "x"}},
                               as_=CASEWORKER_TIANHE)
    not_admin = await gql("""mutation($i: ChangeLinkageRouteInput!) { changeLinkageRoute(input: $i) { version } }""",
                          {"i": {"subItem": "VOLUNTEERING", "leadParty": "SOCIAL_ORGANISATION",
                                 "acceptWithinHours": 24, "completeWithinDays": 10, "reason": "试试"}},
                          as_=c.committee_staff)
    read_only = await gql("""mutation($i: AcceptReferralInput!) { acceptReferral(input: $i) { position } }""",
                          {"i": {"referralId": str(uuid.uuid4())}}, as_=INSPECTOR)

    assert error_codes(unknown) == ["INVALID_INPUT"]
    assert "FLYING_CARS" in unknown["errors"][0]["message"] and "VOLUNTEERING" in unknown["errors"][0]["extensions"][
        "allowed"]
    assert error_codes(other_district) == ["FORBIDDEN"]
    assert error_codes(not_admin) == ["FORBIDDEN"]
    assert error_codes(read_only) == ["FORBIDDEN"]


async def test_the_work_queue_and_the_routing_table_are_readable(gql: GQL) -> None:
    c = await Community(gql).register()
    resident = (await register(gql, as_=CASEWORKER_HAIZHU))["resident"]["id"]
    need = await collect(gql, c, resident)
    referred = await ok(gql, REFER, {"i": {"needId": need["id"], "organisationId": c.org}}, c.committee_staff)

    queue = await ok(gql, """query($org: ID!) { linkageWorkQueue(organisationId: $org, first: 5) {
                             counts { overdue dueSoon open } edges { cursor node { kind bucket referral { id } } }
                             pageInfo { hasNextPage } } }""", {"org": c.org}, c.org_staff,
                     extensions={"minPosition": referred["referNeed"]["position"]})
    table = await ok(gql, """{ linkageRoutingTable { version routes { subItem { code labelZh } leadParty
                             acceptWithinHours } } linkageTaxonomy { code subItems { code } } }""", {}, c.org_staff)

    assert queue["linkageWorkQueue"]["counts"] == {"overdue": 0, "dueSoon": 1, "open": 0}
    assert [e["node"]["kind"] for e in queue["linkageWorkQueue"]["edges"]] == ["REFERRAL_TO_ANSWER"]
    assert len(table["linkageRoutingTable"]["routes"]) == 16
    assert [len(c["subItems"]) for c in table["linkageTaxonomy"]] == [4, 4, 4, 4]
