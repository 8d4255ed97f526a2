"""Staff accounts: creation, password changes, authentication with lockout.

The lockout is per (account, address): ten wrong passwords within 15 minutes from one address
refuse that account from that address until the oldest of them is 15 minutes old. A login from
another address is not affected, so an outsider cannot lock the office out of its own accounts.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from ..audit.services import record
from ..extensions import db
from ..privacy.iphash import hash_ip
from ..timeutil import now_utc
from .models import LoginFailure, Role, User
from .passwords import hash_password, needs_rehash, password_problems, verify_password
from .sessions import revoke_all

LOCKOUT_THRESHOLD = 10
LOCKOUT_WINDOW = timedelta(minutes=15)


class AccountError(ValueError):
    """A refused account operation; the message is shown to the operator."""


class LoginRefused(Exception):
    """Wrong email/password, disabled, or locked: the page shows one generic message."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(email: str, role: str, password: str) -> User:
    email = normalise_email(email)
    if "@" not in email:
        raise AccountError("not an email address")
    if role not in {r.value for r in Role}:
        raise AccountError(f"unknown role {role!r}")
    if user_by_email(email) is not None:
        raise AccountError(f"{email} already exists")
    problems = password_problems(password, email)
    if problems:
        raise AccountError(" ".join(problems))
    user = User(email=email, role=role, password_hash=hash_password(password), password_changed_at=now_utc())
    db.session.add(user)
    db.session.flush()
    record("user_change", target=user, summary=f"created {email} as {role}", changes={"role": [None, role]},
           actor_email="cli")
    return user


def set_password(user: User, password: str, *, by=None) -> None:
    problems = password_problems(password, user.email)
    if problems:
        raise AccountError(" ".join(problems))
    user.password_hash = hash_password(password)
    user.password_changed_at = now_utc()
    revoke_all(user)
    db.session.execute(delete(LoginFailure).where(LoginFailure.user_id == user.id))
    record("password_change", target=user, summary=user.email, actor=by, actor_email=None if by else "cli")


def set_active(user: User, active: bool, *, by=None) -> None:
    changes = {"active": [user.active, active]}
    user.active = active
    revoke_all(user)
    record("user_change", target=user, summary=f"{'enabled' if active else 'disabled'} {user.email}",
           changes=changes, actor=by, actor_email=None if by else "cli")


def set_role(user: User, role: str, *, by=None) -> None:
    if role not in {r.value for r in Role}:
        raise AccountError(f"unknown role {role!r}")
    changes = {"role": [user.role, role]}
    user.role = role
    record("user_change", target=user, summary=f"{user.email} is now {role}", changes=changes, actor=by,
           actor_email=None if by else "cli")


def address_hash(address: str | None) -> str:
    """The client address as the same rotating keyed hash comments get (privacy/iphash.py), for
    counting failures without storing the address."""
    return hash_ip(address) or ""


def authenticate(email: str, password: str, address: str | None = None, at: datetime | None = None) -> User:
    """Return the user or raise LoginRefused; records failures and lockouts (caller commits).
    `address` is the client's address: failures count, and lock, per (account, address)."""
    at = at or now_utc()
    user = user_by_email(email)
    if user is None:
        verify_password(_DUMMY_HASH, password)  # same time as a real check: no account probing
        record("login_failed", summary=normalise_email(email)[:254], actor_email=normalise_email(email)[:254])
        raise LoginRefused()
    source = address_hash(address)
    if not user.active:
        record("login_failed", target=user, summary="disabled", actor=user)
        raise LoginRefused()
    if _recent_failures(user, source, at) >= LOCKOUT_THRESHOLD:
        record("login_failed", target=user, summary="locked", actor=user)  # not counted: the lock does not grow
        raise LoginRefused()
    if not verify_password(user.password_hash, password):
        _count_failure(user, source, at)
        raise LoginRefused()
    db.session.execute(
        delete(LoginFailure).where(LoginFailure.user_id == user.id, LoginFailure.address_hash == source)
    )
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = at
    record("login", target=user, actor=user)
    return user


def _recent_failures(user: User, source: str, at: datetime) -> int:
    return db.session.scalar(
        select(func.count()).select_from(LoginFailure).where(
            LoginFailure.user_id == user.id, LoginFailure.address_hash == source,
            LoginFailure.at > at - LOCKOUT_WINDOW,
        )
    )


def _count_failure(user: User, source: str, at: datetime) -> None:
    db.session.execute(
        delete(LoginFailure).where(LoginFailure.user_id == user.id, LoginFailure.at <= at - LOCKOUT_WINDOW)
    )
    db.session.add(LoginFailure(user_id=user.id, address_hash=source, at=at))
    db.session.flush()
    recent = _recent_failures(user, source, at)
    record("login_failed", target=user, summary=f"{recent} in 15 min from this address", actor=user)
    if recent == LOCKOUT_THRESHOLD:
        record("lockout", target=user, summary=f"locked for one address until at most "
               f"{(at + LOCKOUT_WINDOW).isoformat()}", actor=user)


def change_own_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise AccountError("current")
    set_password(user, new, by=user)


def all_users():
    return select(User).order_by(User.role, User.email)


_DUMMY_HASH = hash_password("not-a-real-password-just-for-timing")
