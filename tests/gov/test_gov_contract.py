"""One contract, run against the fake and against the HTTP adapter talking to the sandbox."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from portal.gov.fake import naive_utc
from portal.gov.port import (
    AnchorReceipt,
    CaseRef,
    EnterpriseInfo,
    GovAuthError,
    GovPlatform,
    GovRejected,
    GovUserInfo,
    PushResult,
    Token,
)

from .support import APP_ID, REDIRECT_URI, Harness

PERSON = GovUserInfo("u-1001", "张三", "natural", None, 3)
FIRM = GovUserInfo("u-2002", "泸州某档案服务有限公司", "legal", "91510502MA62XXXX1B", 4)
ACTIVE = EnterpriseInfo(
    uscc="91510502MA62XXXX1B",
    registered_name="泸州某档案服务有限公司",
    legal_representative="李四",
    status="active",
    business_scope="档案整理、数字化加工",
)
DEREGISTERED = EnterpriseInfo(
    uscc="91510504MA6ABCDE2C",
    registered_name="龙马潭区旧档案公司",
    legal_representative="王五",
    status="deregistered",
    business_scope="档案寄存",
    reason="Deregistered on the owner's application",
)


def sign_in(harness: Harness, user: GovUserInfo) -> Token:
    harness.add_user(user)
    return harness.platform.exchange_ticket(
        harness.mint_ticket(user.platform_user_id, REDIRECT_URI), REDIRECT_URI
    )


def test_implementations_satisfy_the_protocol(harness: Harness) -> None:
    assert isinstance(harness.platform, GovPlatform)


def test_authorize_url_carries_app_state_and_return_address(harness: Harness) -> None:
    url = harness.platform.authorize_url("st-42 &x", REDIRECT_URI)
    parts = urlsplit(url)
    assert parts.path.endswith("/oauth/authorize")
    assert parse_qs(parts.query) == {
        "app_id": [APP_ID],
        "state": ["st-42 &x"],
        "redirect_uri": [REDIRECT_URI],
    }


@pytest.mark.parametrize("user", [PERSON, FIRM], ids=["natural", "legal"])
def test_ticket_exchange_then_user_info(harness: Harness, user: GovUserInfo) -> None:
    token = sign_in(harness, user)
    assert token.access_token
    assert token.expires_at == naive_utc(harness.clock() + 7200)
    assert harness.platform.user_info(token) == user
    assert harness.platform.user_info(token.access_token) == user


def test_ticket_is_single_use(harness: Harness) -> None:
    harness.add_user(PERSON)
    ticket = harness.mint_ticket(PERSON.platform_user_id, REDIRECT_URI)
    harness.platform.exchange_ticket(ticket, REDIRECT_URI)
    with pytest.raises(GovAuthError) as caught:
        harness.platform.exchange_ticket(ticket, REDIRECT_URI)
    assert caught.value.code == "ticket_used"


def test_ticket_expires(harness: Harness) -> None:
    harness.add_user(PERSON)
    ticket = harness.mint_ticket(PERSON.platform_user_id, REDIRECT_URI)
    harness.clock.advance(121)
    with pytest.raises(GovAuthError) as caught:
        harness.platform.exchange_ticket(ticket, REDIRECT_URI)
    assert caught.value.code == "ticket_expired"


def test_ticket_just_before_expiry_still_works(harness: Harness) -> None:
    harness.add_user(PERSON)
    ticket = harness.mint_ticket(PERSON.platform_user_id, REDIRECT_URI)
    harness.clock.advance(119)
    assert harness.platform.exchange_ticket(ticket, REDIRECT_URI).access_token


def test_unknown_ticket_is_an_auth_error(harness: Harness) -> None:
    with pytest.raises(GovAuthError) as caught:
        harness.platform.exchange_ticket("ST-made-up", REDIRECT_URI)
    assert caught.value.code == "invalid_ticket"


def test_ticket_is_bound_to_its_redirect_uri(harness: Harness) -> None:
    harness.add_user(PERSON)
    ticket = harness.mint_ticket(PERSON.platform_user_id, REDIRECT_URI)
    with pytest.raises(GovAuthError) as caught:
        harness.platform.exchange_ticket(ticket, "https://evil.example.test/return")
    assert caught.value.code == "redirect_uri_mismatch"


def test_access_token_expires(harness: Harness) -> None:
    token = sign_in(harness, PERSON)
    harness.clock.advance(7200)
    with pytest.raises(GovAuthError) as caught:
        harness.platform.user_info(token)
    assert caught.value.code == "token_expired"


def test_unknown_access_token_is_an_auth_error(harness: Harness) -> None:
    with pytest.raises(GovAuthError) as caught:
        harness.platform.user_info("AT-made-up")
    assert caught.value.code == "invalid_token"


def test_verify_enterprise_answers_from_the_registry(harness: Harness) -> None:
    harness.add_enterprise(ACTIVE)
    harness.add_enterprise(DEREGISTERED)
    assert harness.platform.verify_enterprise(ACTIVE.uscc) == ACTIVE
    found = harness.platform.verify_enterprise(DEREGISTERED.uscc)
    assert found == DEREGISTERED
    assert not found.is_active


def test_verify_enterprise_unknown_uscc_is_not_found_not_an_error(harness: Harness) -> None:
    found = harness.platform.verify_enterprise("91510525MA6BBBBB9X")
    assert found.status == "not_found"
    assert found.reason
    assert found.registered_name == ""


def test_verify_enterprise_refuses_malformed_uscc(harness: Harness) -> None:
    with pytest.raises(GovRejected) as caught:
        harness.platform.verify_enterprise("not-a-uscc")
    assert caught.value.code == "invalid_uscc"


def test_push_message_is_recorded_once_per_idempotency_key(harness: Harness) -> None:
    harness.add_user(FIRM)
    params = {"filing": "LZ-2026-0007", "deadline": "2026-12-01", "备注": "请及时处理"}
    first = harness.platform.push_message(FIRM.platform_user_id, "FILING_RETURNED", params, "push-1")
    again = harness.platform.push_message(FIRM.platform_user_id, "FILING_RETURNED", params, "push-1")
    assert isinstance(first, PushResult)
    assert again == first
    pushes = harness.pushes()
    assert len(pushes) == 1
    assert pushes[0]["params"] == params
    assert pushes[0]["template_code"] == "FILING_RETURNED"
    assert harness.dedupe_log()["push-1"] == {"operation": "push_message", "received": 2, "applied": 1}


def test_distinct_keys_are_distinct_messages(harness: Harness) -> None:
    harness.add_user(FIRM)
    a = harness.platform.push_message(FIRM.platform_user_id, "T", {"n": 1}, "push-a")
    b = harness.platform.push_message(FIRM.platform_user_id, "T", {"n": 1}, "push-b")
    assert a.message_id != b.message_id
    assert len(harness.pushes()) == 2


def test_idempotency_key_reused_for_another_request_is_refused(harness: Harness) -> None:
    harness.add_user(FIRM)
    harness.platform.push_message(FIRM.platform_user_id, "T", {"n": 1}, "push-2")
    with pytest.raises(GovRejected) as caught:
        harness.platform.push_message(FIRM.platform_user_id, "T", {"n": 2}, "push-2")
    assert caught.value.code == "idempotency_key_reused"
    assert len(harness.pushes()) == 1


def test_push_to_unknown_user_is_rejected(harness: Harness) -> None:
    with pytest.raises(GovRejected) as caught:
        harness.platform.push_message("u-nobody", "T", {}, "push-3")
    assert caught.value.code == "user_not_found"
    assert harness.pushes() == []


def test_case_lifecycle_with_idempotent_updates(harness: Harness) -> None:
    created = harness.platform.create_case(
        "LZ-2026-0001", "档案数字化项目备案", "received", FIRM.uscc, "case-c1"
    )
    assert isinstance(created, CaseRef)
    assert (created.case_no, created.status, created.revision) == ("LZ-2026-0001", "received", 1)
    assert (
        harness.platform.create_case("LZ-2026-0001", "档案数字化项目备案", "received", FIRM.uscc, "case-c1")
        == created
    )

    updated = harness.platform.update_case("LZ-2026-0001", "processing", "受理", "case-u1")
    repeat = harness.platform.update_case("LZ-2026-0001", "processing", "受理", "case-u1")
    assert updated == repeat
    assert (updated.platform_case_id, updated.status, updated.revision) == (
        created.platform_case_id,
        "processing",
        2,
    )
    assert harness.case_history("LZ-2026-0001") == [["received", ""], ["processing", "受理"]]
    log = harness.dedupe_log()
    assert log["case-c1"] == {"operation": "create_case", "received": 2, "applied": 1}
    assert log["case-u1"] == {"operation": "update_case", "received": 2, "applied": 1}


def test_case_number_with_non_ascii_characters_round_trips(harness: Harness) -> None:
    created = harness.platform.create_case("泸档-2026 001", "测试", "received", None, "case-c2")
    updated = harness.platform.update_case("泸档-2026 001", "completed", "办结", "case-u2")
    assert updated.case_no == created.case_no == "泸档-2026 001"
    assert updated.revision == 2


def test_creating_an_existing_case_under_a_new_key_is_refused(harness: Harness) -> None:
    harness.platform.create_case("LZ-2026-0002", "t", "received", None, "case-c3")
    with pytest.raises(GovRejected) as caught:
        harness.platform.create_case("LZ-2026-0002", "t", "received", None, "case-c4")
    assert caught.value.code == "case_exists"


def test_updating_an_unknown_case_is_refused(harness: Harness) -> None:
    with pytest.raises(GovRejected) as caught:
        harness.platform.update_case("LZ-missing", "processing", "", "case-u3")
    assert caught.value.code == "case_not_found"
    assert "case-u3" not in harness.dedupe_log()


def test_bad_case_status_is_refused(harness: Harness) -> None:
    with pytest.raises(GovRejected) as caught:
        harness.platform.create_case("LZ-2026-0003", "t", "Not A Status", None, "case-c5")
    assert caught.value.code == "invalid_request"


def test_missing_idempotency_key_is_refused(harness: Harness) -> None:
    with pytest.raises(GovRejected):
        harness.platform.create_case("LZ-2026-0004", "t", "received", None, "")


def test_audit_anchor_is_deposited_once_per_idempotency_key(harness: Harness) -> None:
    chain_hash = "ab" * 32
    first = harness.platform.anchor_audit(42, chain_hash, "2026-11-26T08:00:00Z", "audit-anchor:42:abab")
    again = harness.platform.anchor_audit(42, chain_hash, "2026-11-26T08:00:00Z", "audit-anchor:42:abab")
    assert isinstance(first, AnchorReceipt)
    assert again == first
    assert (first.sequence, first.chain_hash, first.anchored_at) == (42, chain_hash, "2026-11-26T08:00:00Z")
    assert harness.anchors() == [
        {"receipt_id": first.receipt_id, "sequence": 42, "chain_hash": chain_hash,
         "anchored_at": "2026-11-26T08:00:00Z"}
    ]
    assert harness.dedupe_log()["audit-anchor:42:abab"] == {"operation": "anchor_audit", "received": 2, "applied": 1}


@pytest.mark.parametrize("sequence, chain_hash", [(-1, "ab" * 32), (3, "not-a-hash"), (3, "AB" * 32)])
def test_malformed_audit_anchor_is_refused(harness: Harness, sequence: int, chain_hash: str) -> None:
    with pytest.raises(GovRejected) as caught:
        harness.platform.anchor_audit(sequence, chain_hash, "2026-11-26T08:00:00Z", "audit-anchor:bad")
    assert caught.value.code == "invalid_request"
    assert harness.anchors() == []


def test_health(harness: Harness) -> None:
    assert harness.platform.health() is True


def test_token_lifetime_is_reported_in_naive_utc(harness: Harness) -> None:
    token = sign_in(harness, PERSON)
    assert token.expires_at.tzinfo is None
    assert token.expires_at - naive_utc(harness.clock()) == timedelta(hours=2)


def test_a_status_the_portal_does_not_know_passes_through_as_inactive(harness: Harness) -> None:
    odd = EnterpriseInfo(
        "91510503MA6CCCCC1D", "某公司", "赵六", "abnormal_operation", "档案寄存", "Listed as abnormal"
    )
    harness.add_enterprise(odd)
    found = harness.platform.verify_enterprise(odd.uscc)
    assert found == odd
    assert not found.is_active
