"""Email addresses as the mail system sends them, one set of rules for the forms and the sender.

An address is sent in its ASCII form: the domain through IDNA 2008 (UTS 46 mapping, so
`user@例子。广告` goes to `user@xn--fsqu00a.xn--4rr70v`). A local part (before the @) in other
than ASCII would need the SMTPUTF8 extension end to end, which the sender does not use and most
Chinese mailbox providers do not accept, so such an address is refused: in the forms with a
sentence, in the sender (for rows written before the forms checked) as a permanent failure of that
message only.
"""
from __future__ import annotations

import re

import email_validator
import idna
from flask_babel import lazy_gettext as _l
from wtforms.validators import Length, Optional, ValidationError

# What may stand in an ASCII local part on the wire (RFC 5321 atoms and dots; no quoting).
_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]{1,64}$")
_HOST = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*$")


class AddressError(ValueError):
    """The mail system cannot send to this address. `needs_smtputf8`: only because of the
    characters before the @."""

    def __init__(self, address: str, reason: str, needs_smtputf8: bool = False):
        self.address = address
        self.needs_smtputf8 = needs_smtputf8
        super().__init__(f"{address!r}: {reason}")


def smtp_address(address: str) -> str:
    """The ASCII form the SMTP envelope and the To header carry, or AddressError.

    Lenient on purpose (no check of the domain's existence or of reserved names): this decides
    only whether the address can be written on the wire. The forms are stricter (see `EmailAddress`)."""
    text = (address or "").strip()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        raise AddressError(text, "no local part and domain around an @")
    if not local.isascii():
        printable = all(ch.isascii() or (ch.isprintable() and not ch.isspace()) for ch in local)
        raise AddressError(text, "the local part is not ASCII: it would need SMTPUTF8, which is not used",
                           needs_smtputf8=printable)
    if not _LOCAL_PART.match(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        raise AddressError(text, "the local part has characters that cannot be sent")
    if domain.isascii():
        ascii_domain = domain
    else:
        try:
            ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError) as error:
            raise AddressError(text, f"the domain cannot be converted through IDNA ({error})") from None
    if len(ascii_domain) > 253 or not _HOST.match(ascii_domain):
        raise AddressError(text, "the domain is not a host name")
    return f"{local}@{ascii_domain.lower()}"


def normalise_address(address: str) -> str:
    """The form's value to store: domain in Unicode, lower case, as people read it (the sender
    converts it with `smtp_address`). Raises AddressError or email_validator's errors."""
    smtp_address(address)  # first: the sentence for a non-ASCII local part is ours
    result = email_validator.validate_email(address, check_deliverability=False, allow_smtputf8=False)
    return result.normalized.lower()


class EmailAddress:
    """WTForms validator: a syntactically valid address the mail system can send to; replaces the
    field's data with its normalised form (`normalise_address`)."""

    def __init__(self, message=None, smtputf8_message=None):
        self.message = message or _l("电子邮箱格式不正确,例如 name@example.com。")
        self.smtputf8_message = smtputf8_message or _l(
            "电子邮箱“@”前面的部分只能使用英文字母、数字和 . _ - 等符号,含中文的邮箱地址暂时无法投递,请换一个邮箱。"
        )

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            field.data = normalise_address(field.data)
        except AddressError as error:
            raise ValidationError(self.smtputf8_message if error.needs_smtputf8 else self.message) from None
        except email_validator.EmailNotValidError:
            raise ValidationError(self.message) from None


def email_validators(max_length: int = 254) -> list:
    """The validators of every form field that takes an email address (web comments, offline
    intake, the consultation's contact mailbox)."""
    return [Optional(), Length(max=max_length, message=_l("电子邮箱过长。")), EmailAddress()]
