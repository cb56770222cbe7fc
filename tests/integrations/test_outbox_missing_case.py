"""A case update for a case the platform never had creates the case instead of retrying forever."""
from portal.gov.fake import FakeGovPlatform
from portal.integrations.outbox_worker import Claimed, deliver

USCC = "91350100M000100Y43"


def test_update_of_a_missing_case_creates_it_in_its_current_state():
    platform = FakeGovPlatform()
    message = Claimed(id=1, kind="case_update", key="case:7:42", attempts=0,
                      payload={"case_no": "LZWB-2026-0142", "status": "under_review", "title": "Demo filing",
                               "applicant_uscc": USCC, "remark": ""})
    outcome = deliver(platform, message)
    assert outcome.result == "delivered"
    case = platform.cases["LZWB-2026-0142"]
    assert case.status == "under_review" and case.title == "Demo filing"


def test_update_of_an_existing_case_still_updates_it():
    platform = FakeGovPlatform()
    platform.create_case("LZWB-2026-0001", "Existing", "submitted", USCC, "case:1:1")
    message = Claimed(id=2, kind="case_update", key="case:1:2", attempts=0,
                      payload={"case_no": "LZWB-2026-0001", "status": "registered", "title": "Existing",
                               "applicant_uscc": USCC, "remark": ""})
    assert deliver(platform, message).result == "delivered"
    assert platform.cases["LZWB-2026-0001"].status == "registered"
    assert platform.cases["LZWB-2026-0001"].revision == 2
