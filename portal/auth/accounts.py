"""Accounts: login with lockout, server-side sessions, passwords, roles (三员分立) and disabling."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Select, bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.auth.hashing import make_hasher
from portal.auth.models import PasswordHistory, User, UserRole, UserSession
from portal.auth.password_policy import check_password
from portal.core import audit, audit_counts, clock, transactions
from portal.core.constants import ADMIN_ROLES, ROLES
from portal.core.context import current_actor
from portal.core.errors import NotAllowed, NotFound, ValidationFailed
from portal.core.msgids import N_
from portal.core.textmatch import contains
from portal.extensions import db

LOGIN_FAILED = N_("Wrong username or password, or the account is locked or disabled.")
# Earlier passwords a new one may not repeat, in any letter case, besides the current one (等保三级).
PASSWORD_HISTORY_SIZE = 5
_DUMMY_HASH: dict[bool, str] = {}


def _hasher():
    fast = bool(current_app.config.get("PASSWORD_HASH_FAST"))
    return make_hasher(fast)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def _verify(password_hash: str, password: str) -> bool:
    return _hasher().verify(password_hash, password)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class LoginFailed(Exception):
    """One message for unknown user, wrong password, locked and disabled: nothing to enumerate."""


@dataclass
class LoginResult:
    """A new session; while `mfa_pending` it logs nobody in until a second-factor code completes it."""

    user: User
    session_token: str
    mfa_pending: bool = False


def count_failure(user: User, now) -> None:
    """One more failed attempt (password or second-factor code); the limit locks the account (caller
    audits and commits). Counted in the database (row-locked on PostgreSQL) so parallel guesses through
    several processes cannot slip past the limit."""
    cfg = current_app.config
    db.session.execute(
        update(User).where(User.id == user.id)
        .values(failed_logins=func.coalesce(User.failed_logins, 0) + 1)
        .execution_options(synchronize_session="fetch")
    )
    user.failed_logins = db.session.scalar(select(User.failed_logins).where(User.id == user.id))
    if user.failed_logins >= cfg["LOGIN_MAX_FAILURES"]:
        user.locked_until = now + timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
        user.failed_logins = 0
        audit.record("account.locked", "user", user.id, outcome="failure",
                     detail={"username": user.username, "until": user.locked_until.isoformat()})


def is_locked(user: User, now) -> bool:
    return bool(user.locked_until and user.locked_until > now)


def authenticate(username: str, password: str, ip: str | None = None, user_agent: str | None = None) -> LoginResult:
    now = clock.utcnow()
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    cfg = current_app.config
    if user is None:
        # Spend the same hashing time as a real check so timing does not reveal unknown names.
        fast = bool(cfg.get("PASSWORD_HASH_FAST"))
        if fast not in _DUMMY_HASH:
            _DUMMY_HASH[fast] = hash_password("dummy-password-for-timing")
        _verify(_DUMMY_HASH[fast], password)
        # Anyone can repeat this, so repeats are counted rather than each written to the log.
        audit_counts.record_repeatable("login.failure", f"unknown_user:{username.strip()[:64]}", "user", None,
                                       detail={"username": username[:64], "reason": "unknown_user"})
        raise LoginFailed(LOGIN_FAILED)
    if is_locked(user, now):
        _verify(user.password_hash, password)
        audit.record_and_commit("login.failure", "user", user.id, outcome="failure",
                                detail={"username": user.username, "reason": "locked"})
        raise LoginFailed(LOGIN_FAILED)
    if not _verify(user.password_hash, password) or not user.active:
        reason = "disabled" if user.active is False else "bad_password"
        if reason == "bad_password":
            count_failure(user, now)
        audit.record_and_commit("login.failure", "user", user.id, outcome="failure",
                                detail={"username": user.username, "reason": reason})
        raise LoginFailed(LOGIN_FAILED)
    if _hasher().needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    token = secrets.token_urlsafe(32)
    row = UserSession(token_hash=token_hash(token), user_id=user.id, created_at=now, last_seen_at=now,
                      ip=ip, user_agent=(user_agent or "")[:255], mfa_pending=user.mfa_enrolled)
    db.session.add(row)
    if user.mfa_enrolled:
        # The failure count is kept until the code is right: a known password must not reset the
        # count of wrong codes.
        audit.record("login.password_ok", "user", user.id, detail={"username": user.username, "mfa": "pending"},
                     actor=_actor_for(user, ip))
        transactions.commit()
        return LoginResult(user, token, mfa_pending=True)
    complete_login(user, row, now, ip)
    transactions.commit()
    return LoginResult(user, token)


def complete_login(user: User, row: UserSession, now, ip: str | None, detail: dict | None = None,
                   reset_failures: bool = True) -> None:
    """A session becomes a login: failures reset, password expiry checked, the session limit kept and
    the login audited (caller commits)."""
    if reset_failures:
        user.failed_logins = 0
        user.locked_until = None
    user.last_login_at = now
    row.mfa_pending = False
    max_age = current_app.config.get("PASSWORD_MAX_AGE_DAYS") or 0
    if max_age > 0 and not user.must_change_password and (
            user.password_changed_at is None or now - user.password_changed_at > timedelta(days=max_age)):
        user.must_change_password = True
        audit.record("password.expired", "user", user.id, detail={"max_age_days": max_age})
    db.session.flush()
    _keep_session_limit(user, row, now)
    audit.record("login.success", "user", user.id, detail={"username": user.username, **(detail or {})},
                 actor=_actor_for(user, ip))


def session_limit(user: User) -> int:
    cfg = current_app.config
    if user.has_role(*ADMIN_ROLES):
        return max(1, cfg.get("MAX_SESSIONS_PER_ADMIN", 1))
    return max(1, cfg.get("MAX_SESSIONS_PER_USER", 3))


def _keep_session_limit(user: User, row: UserSession, now) -> None:
    """End the oldest live sessions beyond the user's limit, keeping the new one (audited)."""
    others = [s for s in live_sessions(user.id) if s.id != row.id]
    excess = len(others) + 1 - session_limit(user)
    for old in sorted(others, key=lambda s: (s.created_at, s.id))[:max(0, excess)]:
        old.ended_at = now
        old.end_reason = "session_limit"
        audit.record("session.ended", "user", user.id, detail={"reason": "session_limit", "session": old.id})


def _actor_for(user: User, ip: str | None):
    from portal.core.context import Actor

    base = current_actor()
    return Actor(user_id=user.id, username=user.username, roles=user.role_codes, ip=ip or base.ip,
                 request_id=base.request_id)


@cache
def _session_with_user() -> Select:
    """One statement for the session, its user and the user's roles, which every page pays for. Built
    once: making the statement and its cache key anew cost as much as running it."""
    return (
        select(UserSession, User)
        .outerjoin(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == bindparam("token_hash"))
        .options(joinedload(User.roles))
    )


def load_session(token: str | None) -> User | None:
    """The user of a live session, or None (ended, idle too long, past the absolute limit)."""
    if not token:
        return None
    found = db.session.execute(_session_with_user(), {"token_hash": token_hash(token)}).unique().first()
    if found is None:
        return None
    row, user = found
    if row.ended_at is not None or row.mfa_pending:
        return None
    now = clock.utcnow()
    cfg = current_app.config
    if now - row.last_seen_at > timedelta(minutes=cfg["SESSION_IDLE_MINUTES"]):
        _end(row, "idle_timeout", now)
        return None
    if now - row.created_at > timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"]):
        _end(row, "absolute_timeout", now)
        return None
    if user is None or not user.active:
        _end(row, "disabled", now)
        return None
    # Write last_seen at most once a minute: keeps idle tracking without a write per request.
    if now - row.last_seen_at > timedelta(seconds=60):
        row.last_seen_at = now
        transactions.commit()
    return user


def _end(row: UserSession, reason: str, now) -> None:
    row.ended_at = now
    row.end_reason = reason
    audit.record("session.ended", "user", row.user_id, detail={"reason": reason, "session": row.id})
    transactions.commit()


def logout(token: str | None) -> None:
    if not token:
        return
    row = db.session.scalar(select(UserSession).where(UserSession.token_hash == token_hash(token)))
    if row is not None and row.ended_at is None:
        row.ended_at = clock.utcnow()
        row.end_reason = "logout"
        audit.record("logout", "user", row.user_id)
        transactions.commit()


def end_sessions(user_id: int, reason: str, keep_token: str | None = None) -> int:
    """End every live session of a user on the server (caller commits)."""
    stmt = update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    if keep_token:
        stmt = stmt.where(UserSession.token_hash != token_hash(keep_token))
    result = db.session.execute(stmt.values(ended_at=clock.utcnow(), end_reason=reason))
    audit.record("session.ended", "user", user_id, detail={"reason": reason, "count": result.rowcount})
    return result.rowcount


def revoke_sessions(user_id: int) -> int:
    """Security admin ends all sessions of a user."""
    if db.session.get(User, user_id) is None:
        raise NotFound()
    count = end_sessions(user_id, "revoked_by_secadmin")
    transactions.commit()
    return count


def validate_new_password(password: str, username: str) -> list[str]:
    return check_password(password, username)


def _recent_history(user_id: int) -> list[PasswordHistory]:
    return list(db.session.scalars(
        select(PasswordHistory).where(PasswordHistory.user_id == user_id)
        .order_by(PasswordHistory.created_at.desc(), PasswordHistory.id.desc())
    ))


def _remember_password(user_id: int, password: str) -> None:
    """Keep the lower-cased password's hash (see PasswordHistory): the current one and the five before."""
    db.session.add(PasswordHistory(user_id=user_id, lower_hash=hash_password(password.lower()),
                                   created_at=clock.utcnow()))
    db.session.flush()
    for old in _recent_history(user_id)[PASSWORD_HISTORY_SIZE + 1:]:
        db.session.delete(old)


def _reuses_recent_password(user_id: int, new: str, current: str | None) -> bool:
    """True when `new` is, ignoring letter case, the current password or one of the last five."""
    if current is not None and current.lower() == new.lower():
        return True
    return any(_verify(row.lower_hash, new.lower()) for row in _recent_history(user_id)[:PASSWORD_HISTORY_SIZE + 1])


def change_password(user: User, current: str | None, new: str, keep_token: str | None = None) -> None:
    """Change a password; every other session of the user ends on the server."""
    errors: dict[str, list] = {}
    current_ok = current is not None and _verify(user.password_hash, current)
    if current is not None and not current_ok:
        errors["current_password"] = [N_("The current password is wrong.")]
    problems = validate_new_password(new, user.username)
    if problems:
        errors["new_password"] = problems
    elif _reuses_recent_password(user.id, new, current if current_ok else None):
        errors.setdefault("new_password", []).append(
            N_("The new password must differ from the current one and from your last five, also in letter case."))
    if errors:
        audit.record_and_commit("password.change", "user", user.id, outcome="failure")
        raise ValidationFailed(errors)
    if current_ok and not _recent_history(user.id):
        _remember_password(user.id, current)  # accounts from before the history: the current one counts too
    _remember_password(user.id, new)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.password_changed_at = clock.utcnow()
    end_sessions(user.id, "password_changed", keep_token=keep_token)
    audit.record("password.change", "user", user.id)
    transactions.commit()


def check_role_combination(roles: list[str] | tuple[str, ...]) -> list[str]:
    """三员分立: no account holds two of system, security and audit admin."""
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        return [N_("Unknown role.")]
    if len([r for r in roles if r in ADMIN_ROLES]) > 1:
        return [N_("An account may hold only one of the system, security and audit administrator roles.")]
    if any(r in ADMIN_ROLES for r in roles) and len(set(roles)) > 1:
        return [N_("Administrator accounts cannot hold business roles.")]
    return []


def create_user(*, username: str, display_name: str, password: str, roles: list[str],
                firm_id: int | None = None, agency_id: int | None = None, office_id: int | None = None,
                email: str = "", must_change_password: bool = True, active: bool = True,
                commit: bool = True, precomputed_hash: str | None = None) -> User:
    """Create an account; `precomputed_hash` (of this same password) lets bulk seeding hash once."""
    errors: dict[str, list] = {}
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        errors["username"] = [N_("This username is already taken.")]
    problems = validate_new_password(password, username)
    if problems:
        errors["password"] = problems
    role_problems = check_role_combination(roles)
    if role_problems:
        errors["roles"] = role_problems
    for name, messages in _org_problems(roles, firm_id, agency_id, office_id).items():
        errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationFailed(errors)
    user = User(username=username, display_name=display_name, email=email,
                password_hash=precomputed_hash or hash_password(password), active=active,
                must_change_password=must_change_password, firm_id=firm_id, agency_id=agency_id,
                office_id=office_id, password_changed_at=clock.utcnow())
    user.roles = [UserRole(role=r) for r in sorted(set(roles))]
    db.session.add(user)
    db.session.flush()
    if precomputed_hash is None:  # bulk seeding skips it; its first change records the current one
        _remember_password(user.id, password)
    audit.record("account.created", "user", user.id, detail={"username": username, "roles": sorted(set(roles))})
    if commit:
        transactions.commit()
    return user


def _org_problems(roles, firm_id, agency_id, office_id) -> dict[str, list]:
    """A business role needs its organisation: firm users a firm, agency users an agency, regulators an office."""
    errors: dict[str, list] = {}
    if "vendor" in roles and not firm_id:
        errors.setdefault("firm_id", []).append(N_("A firm user must belong to a firm."))
    if "agency" in roles and not agency_id:
        errors.setdefault("agency_id", []).append(N_("An agency user must belong to an agency."))
    if ("regulator" in roles or "lead" in roles) and not office_id:
        errors.setdefault("office_id", []).append(N_("A regulator must belong to an office."))
    return errors


def set_roles(user_id: int, roles: list[str]) -> User:
    """Security admin assigns roles; 三员分立 is checked here and backed by a database index."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    if user.id == current_actor().user_id:
        raise NotAllowed(N_("You cannot change your own roles."))
    wanted = sorted(set(roles))
    problems = check_role_combination(wanted)
    if problems:
        raise ValidationFailed({"roles": problems})
    org = _org_problems(wanted, user.firm_id, user.agency_id, user.office_id)
    if org:
        raise ValidationFailed({"roles": [m for messages in org.values() for m in messages]})
    old = list(user.role_codes)
    # Remove first and flush, so a swapped admin role never meets the old one in the unique index.
    for row in [r for r in user.roles if r.role not in wanted]:
        user.roles.remove(row)
    db.session.flush()
    for role in wanted:
        if role not in old:
            user.roles.append(UserRole(role=role))
    try:
        db.session.flush()
    except IntegrityError as exc:  # the database index backs up the check above (e.g. a concurrent change)
        db.session.rollback()
        raise ValidationFailed({"roles": [N_("The database refused this role combination.")]}) from exc
    audit.record("role.change", "user", user.id, detail={"old": old, "new": wanted})
    transactions.commit()
    return user


def set_active(user_id: int, active: bool) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    if user.id == current_actor().user_id:
        raise NotAllowed(N_("You cannot disable your own account."))
    user.active = active
    if not active:
        end_sessions(user.id, "account_disabled")
    audit.record("account.disabled" if not active else "account.enabled", "user", user.id)
    transactions.commit()
    return user


def unlock(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    user.locked_until = None
    user.failed_logins = 0
    audit.record("account.unlocked", "user", user.id)
    transactions.commit()
    return user


def reset_password(user_id: int, temporary: str) -> User:
    """Admin sets a temporary password; the user must change it at next login."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    problems = validate_new_password(temporary, user.username)
    if problems:
        raise ValidationFailed({"password": problems})
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    user.password_changed_at = clock.utcnow()
    _remember_password(user.id, temporary)
    end_sessions(user.id, "password_reset")
    audit.record("password.reset", "user", user.id)
    transactions.commit()
    return user


def search_users(q: str = "", role: str = "", status: str = "") -> Select:
    """Accounts matching an admin's filter (username or name contains q; role; active/disabled/locked)."""
    stmt = select(User).order_by(User.username)
    if q:
        stmt = stmt.where(or_(contains(User.username, q.strip()), contains(User.display_name, q.strip())))
    if role in ROLES:
        stmt = stmt.where(User.roles.any(UserRole.role == role))
    if status == "active":
        stmt = stmt.where(User.active.is_(True))
    elif status == "disabled":
        stmt = stmt.where(User.active.is_(False))
    elif status == "locked":
        stmt = stmt.where(User.locked_until > clock.utcnow())
    elif status == "must_change":
        stmt = stmt.where(User.must_change_password.is_(True))
    return stmt


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def live_sessions(user_id: int) -> list[UserSession]:
    """Sessions not ended and still within the idle and absolute limits, newest first."""
    cfg = current_app.config
    now = clock.utcnow()
    return list(db.session.scalars(
        select(UserSession)
        .where(
            UserSession.user_id == user_id,
            UserSession.ended_at.is_(None),
            UserSession.mfa_pending.is_(False),
            UserSession.last_seen_at > now - timedelta(minutes=cfg["SESSION_IDLE_MINUTES"]),
            UserSession.created_at > now - timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"]),
        )
        .order_by(UserSession.created_at.desc())
    ))


def revoke_session(user_id: int, session_id: int) -> None:
    """Security admin ends one session of a user."""
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != user_id:
        raise NotFound()
    if row.ended_at is None:
        row.ended_at = clock.utcnow()
        row.end_reason = "revoked_by_secadmin"
        audit.record("session.ended", "user", user_id, detail={"reason": "revoked_by_secadmin", "session": row.id})
        transactions.commit()


def end_own_session(user: User, session_id: int) -> UserSession:
    """A user ends one of their own sessions (another device, or this one); someone else's is not found."""
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != user.id:
        raise NotFound()
    if row.ended_at is None:
        row.ended_at = clock.utcnow()
        row.end_reason = "ended_by_user"
        audit.record("session.ended", "user", user.id, detail={"reason": "ended_by_user", "session": row.id})
        transactions.commit()
    return row


def session_of_token(token: str | None) -> UserSession | None:
    if not token:
        return None
    return db.session.scalar(select(UserSession).where(UserSession.token_hash == token_hash(token)))


def login_via_sso(user: User, ip: str | None = None, user_agent: str | None = None,
                  detail: dict | None = None) -> LoginResult:
    """Open a server-side session for a user the government platform has identified; audited like a
    password login (the caller has already checked the platform's ticket)."""
    if not user.active:
        audit.record_and_commit("login.failure", "user", user.id, outcome="failure",
                                detail={"username": user.username, "reason": "disabled", "method": "sso"})
        raise LoginFailed(LOGIN_FAILED)
    now = clock.utcnow()
    token = secrets.token_urlsafe(32)
    row = UserSession(token_hash=token_hash(token), user_id=user.id, created_at=now,
                      last_seen_at=now, ip=ip, user_agent=(user_agent or "")[:255])
    db.session.add(row)
    complete_login(user, row, now, ip, detail={"method": "sso", **(detail or {})}, reset_failures=False)
    transactions.commit()
    return LoginResult(user, token)
