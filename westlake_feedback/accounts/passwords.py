"""argon2id hashing and a plain-spoken strength rule."""
from __future__ import annotations

import os
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _

# argon2id with the library's recommended parameters. The test suite (and only it) may ask for the
# cheapest parameters, since it creates staff accounts for hundreds of tests.
_hasher = (
    PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    if os.environ.get("WESTLAKE_TEST_CHEAP_PASSWORD_HASHING") == "1"
    else PasswordHasher()
)

COMMON = {
    "password", "password1", "password123", "12345678", "123456789", "1234567890", "qwerty123",
    "11111111", "iloveyou", "admin123", "admin1234", "welcome1", "abc12345", "qwertyuiop",
    "1q2w3e4r", "88888888", "66666666", "woaini1314", "a123456789", "zxcvbnm123", "p@ssw0rd",
}
MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problems(password: str, email: str = "") -> list[str]:
    """Reasons a password is too weak, in the UI language; empty when it is acceptable."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("密码至少需要%(min)d个字符。", min=MIN_LENGTH))
    classes = sum(bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"))
    if classes < 3 and len(password) < 16:
        problems.append(_("密码需包含大写字母、小写字母、数字、符号中的至少三类(16位以上的长密码除外)。"))
    lowered = password.lower()
    local_part = email.split("@")[0].lower()
    if lowered in COMMON or len(set(password)) <= 3:
        problems.append(_("这个密码过于常见或简单,请换一个。"))
    if local_part and len(local_part) >= 4 and local_part in lowered:
        problems.append(_("密码不能包含邮箱用户名。"))
    return problems
