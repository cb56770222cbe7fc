"""The firm user's home panels (staff, certificates, rectification orders, notices, liaison) are cached
as plain counts per firm; each follows the write that changes it, and another firm's data never shows."""
from __future__ import annotations

import re
from datetime import timedelta

from portal import clock
from portal.services import notices, rectification
from tests.supervision import builders as sb


def _stat(page: str, label: str) -> str:
    return re.search(re.escape(label) + r'</span> <strong class="stat-value">([^<]*)</strong>', page).group(1)


def _home(client) -> str:
    return client.get("/home/?lang=en").get_data(as_text=True)


def test_firm_user_home_counts_follow_writes(client, build, login):
    user = build.user("vendor")
    firm = user.firm
    other = build.firm()
    regulator = sb.actor(build.user("regulator"))
    build.staff(firm, qualified=True)
    build.staff(other, qualified=True)
    sb.certificate(other, 10)
    rectification.issue_by_hand(regulator, other.id, ["item"], "fix", clock.today() + timedelta(days=10))
    login(user)
    page = _home(client)
    assert [_stat(page, label) for label in ("Active staff", "Qualified staff", "Certificates expiring within 60 days",
                                             "Open rectification orders", "Unread notices", "Liaison confirmation")] \
        == ["1", "1", "0", "0", "0", "Due"]

    build.staff(firm, qualified=False)
    sb.certificate(firm, 30)
    rectification.issue_by_hand(regulator, firm.id, ["item"], "fix", clock.today() + timedelta(days=10))
    notice = notices.publish_notice(regulator, "Title", "Body", firm_ids=[firm.id])
    page = _home(client)
    assert [_stat(page, label) for label in ("Active staff", "Qualified staff", "Certificates expiring within 60 days",
                                             "Open rectification orders", "Unread notices")] == ["2", "1", "1", "1", "1"]

    actor = sb.actor(user)
    notices.open_notice(actor, notice.id)
    notices.confirm_liaison(actor, "Li Hua", "13800000000", "li@example.com")
    page = _home(client)
    assert _stat(page, "Unread notices") == "0" and _stat(page, "Liaison confirmation") == "Done"
