"""What the fake offers portal tests beyond the contract: outages, queued failures, reset, determinism."""

from __future__ import annotations

import pytest

from portal.gov.fake import FakeGovPlatform
from portal.gov.port import EnterpriseInfo, GovRejected, GovUnavailable, GovUserInfo

from .support import REDIRECT_URI, FakeClock

PERSON = GovUserInfo("u-1", "张三", "natural", None, 2)
ENTERPRISE = EnterpriseInfo("91510502MA62XXXX1B", "某公司", "李四", "active", "档案整理")


def test_unavailable_platform_fails_every_call_until_restored() -> None:
    fake = FakeGovPlatform(users=[PERSON])
    fake.set_unavailable()
    assert fake.health() is False
    with pytest.raises(GovUnavailable):
        fake.push_message("u-1", "T", {}, "k-1")
    assert fake.pushes == []
    fake.set_unavailable(False)
    assert fake.push_message("u-1", "T", {}, "k-1").message_id
    assert fake.health() is True


def test_queued_failures_hit_the_next_calls_only() -> None:
    fake = FakeGovPlatform(enterprises=[ENTERPRISE])
    fake.fail_next(GovRejected("nope", code="quota", status=429), times=2)
    for _ in range(2):
        with pytest.raises(GovRejected) as caught:
            fake.verify_enterprise(ENTERPRISE.uscc)
        assert caught.value.code == "quota"
    assert fake.verify_enterprise(ENTERPRISE.uscc) == ENTERPRISE


def test_reset_keeps_constructor_data_and_forgets_the_rest() -> None:
    fake = FakeGovPlatform(users=[PERSON], enterprises=[ENTERPRISE])
    fake.add_user(GovUserInfo("u-2", "x", "natural", None, 3))
    fake.push_message("u-1", "T", {}, "k-1")
    fake.create_case("C-1", "t", "received", None, "k-2")
    fake.reset()
    assert fake.pushes == [] and fake.cases == {} and fake.dedupe_log() == {}
    assert fake.get_user("u-2") is None
    assert fake.get_user("u-1") == PERSON
    assert fake.verify_enterprise(ENTERPRISE.uscc) == ENTERPRISE


def test_seeded_fake_issues_repeatable_tickets_and_tokens() -> None:
    def issue() -> tuple[str, str]:
        fake = FakeGovPlatform(users=[PERSON], seed=5, clock=FakeClock())
        ticket = fake.mint_ticket("u-1", REDIRECT_URI)
        return ticket, fake.exchange_ticket(ticket, REDIRECT_URI).access_token

    assert issue() == issue()


def test_unseeded_tickets_are_unpredictable() -> None:
    fake = FakeGovPlatform(users=[PERSON])
    assert fake.mint_ticket("u-1", REDIRECT_URI) != fake.mint_ticket("u-1", REDIRECT_URI)


def test_minting_a_ticket_for_an_unknown_user_is_refused() -> None:
    with pytest.raises(GovRejected):
        FakeGovPlatform().mint_ticket("u-nobody", REDIRECT_URI)


def test_synthesized_registry_answers_active_for_unknown_uscc() -> None:
    info = FakeGovPlatform(synthesize_unknown_enterprises=True).verify_enterprise("91510503MA6CCCCC1D")
    assert info.is_active and info.registered_name


def test_pushed_params_are_recorded_as_json_would_deliver_them() -> None:
    fake = FakeGovPlatform(users=[PERSON])
    fake.push_message("u-1", "T", {"items": ("a", "b")}, "k-1")
    assert fake.pushes[0].params == {"items": ["a", "b"]}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"account_type": "robot"}, "account_type"),
        ({"real_name_level": 1}, "real_name_level"),
        ({"real_name_level": 6}, "real_name_level"),
        ({"account_type": "legal", "uscc": None}, "USCC"),
        ({"uscc": "91510502MA62XXXX1B"}, "no USCC"),
    ],
)
def test_user_info_refuses_impossible_combinations(kwargs: dict[str, object], message: str) -> None:
    values: dict[str, object] = {
        "platform_user_id": "u",
        "name": "n",
        "account_type": "natural",
        "uscc": None,
        "real_name_level": 3,
    }
    values.update(kwargs)
    with pytest.raises(ValueError, match=message):
        GovUserInfo(**values)  # type: ignore[arg-type]
