"""Administration under 三员分立: system admin (accounts, organisations), security admin (roles,
lockouts, sessions, policy) and audit admin (the audit log). Each page names exactly one of them."""
