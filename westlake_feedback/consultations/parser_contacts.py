"""Contact details and the signature (issuer and date) of a consultation notice. Standard library only."""
from __future__ import annotations

import re
from datetime import date

from .parser_dates import DATE_ONLY, FULLWIDTH, SIGN_DATE, date_of

PUNCT = "。；;！？!?，,：:"
CONTACT_LINE = re.compile(r"^(?:联\s*系\s*人|联系电话|咨询电话|办公电话|电\s*话|传\s*真|电子邮箱|电子邮件|邮\s*箱"
                          r"|E-?mail|联系地址|通信地址|通讯地址|邮寄地址|地\s*址|邮政编码|邮\s*编)\s*[:：]", re.I)
_CONTACT_TAIL = re.compile(r"\s(?=(?:联\s*系\s*人|联系电话|电子邮箱|联系地址|通信地址|通讯地址|邮政编码)\s*[:：])")
_SIGN_TAIL = re.compile(rf"(?:^|\s+|(?<=[。！]))([^\s{PUNCT}]{{2,30}})\s+({SIGN_DATE})\s*$")
_ATTACHMENT_LABEL = re.compile(r"^附\s*件\s*[0-9一二三四五六七八九十]{0,3}\s*[:：]?$")   # "附件1" above the draft
_ISSUER_END = re.compile(r"(?:政府|办公室|办公厅|局|委员会|委|厅|办|中心|院|部|处|街道|镇|乡|会)$")


def split_notice(notice: list[str]) -> tuple[list[list[tuple[str, str]]], str | None, date | None]:
    """Each notice paragraph cut into (destination, text) parts, plus the signature's issuer and date.

    Destinations: "notice" (the text people read) and "meta" (contact lines, the signature and its
    date: recognised metadata, kept in ParsedDraft.metadata_text). One list of parts per paragraph,
    in the order of the source."""
    parts: list[list[tuple[str, str]]] = []
    issuer, sign_date = None, None
    for text in notice:
        plain = text.translate(FULLWIDTH)
        if CONTACT_LINE.match(text) or _ATTACHMENT_LABEL.match(plain):
            parts.append([("meta", text)])
            continue
        m = DATE_ONLY.match(plain)
        if m:
            sign_date = sign_date or date_of(m)
            names: list[str] = []
            k = len(parts) - 1
            while k >= 0 and len(names) < 3 and _name_line(parts[k]):
                names.insert(0, parts[k][0][1])
                parts[k] = [("meta", parts[k][0][1])]
                k -= 1
            issuer = issuer or ("、".join(names) or None)
            parts.append([("meta", text)])
            continue
        tail: list[tuple[str, str]] = []
        m = _SIGN_TAIL.search(plain)
        if m and _ISSUER_END.search(m.group(1)):
            issuer = issuer or m.group(1)
            sign_date = sign_date or date_of(DATE_ONLY.match(m.group(2)))
            tail, text = [("meta", text[m.start(1):])], text[:m.start(1)].rstrip()
        m = _CONTACT_TAIL.search(text)
        if m:               # flattened: the contact lines follow the notice
            tail.insert(0, ("meta", text[m.start():].strip()))
            text = text[:m.start()]
        parts.append([p for p in [("notice", text)] + tail if p[1].strip()])
    return parts, issuer, sign_date


def _name_line(parts: list[tuple[str, str]]) -> bool:
    """A short line right above a date line: a signature name (not 特此通知 or an 附件 line)."""
    if len(parts) != 1 or parts[0][0] != "notice":
        return False
    text = parts[0][1]
    return (len(text) <= 30 and not re.search(f"[{PUNCT}《》“”]", text)
            and not re.match(r"特此|附\s*件|[0-9０-９]", text))


def signature(lines: list[str]) -> tuple[str | None, date | None]:
    """The issuer and date of a signature block anywhere in `lines` (e.g. after the draft)."""
    _, issuer, sign_date = split_notice(lines)
    return issuer, sign_date


# ---------------------------------------------------------------- contacts
_PERSON = re.compile(r"联\s*系\s*人(?:员)?(?:及(?:联系)?(?:电话|方式))?\s*[:：]\s*([^\s:：，,；;。、（()）\d]{2,12}?)"
                     r"(?=[\s:：，,；;。、（()）\d]|联系|电话|手机|邮箱|电子|地址|通[信讯]|邮编|邮政|传真|$)")
_PHONE = re.compile(r"(?:联系电话|咨询电话|办公电话|联系方式|电\s*话|Tel|TEL)\s*[:：]\s*"
                    r"([+(（]?\d[\d\-－—()（） 转]{5,30}\d)")
_PHONE_ANY = re.compile(r"(?<!\d)(0\d{2,3}[-－—]\d{7,8}(?:转\d+)?|1[3-9]\d{9})(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_EMAIL_LABEL = re.compile(r"(?:电子邮箱|电子信箱|电子邮件|邮\s*箱|E-?mail)\s*[:：为至]?\s*([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+"
                          r"(?:\.[A-Za-z0-9-]+)+)", re.I)
_ADDRESS = re.compile(r"(?<![件箱])(?:联系地址|通信地址|通讯地址|邮寄地址|信函请寄至|请寄至|邮寄至|寄至|地\s*址)"
                      r"\s*[:：]?\s*([^，,；;。\n:：]+?)\s*(?=[（(]?\s*(?:邮政编码|邮编)|[，,；;。\n）)]|$)")
_POSTCODE = re.compile(r"(?:邮政编码|邮\s*编)\s*[:：]?\s*(\d{6})(?!\d)")


def contacts(*blobs: str) -> dict:
    """Search each text in turn (notice first, then all front matter, then closing text)."""
    blobs = tuple(b.translate(FULLWIDTH) for b in blobs)

    def first(pattern: re.Pattern, check=lambda v: True) -> str | None:
        for blob in blobs:
            for m in pattern.finditer(blob):
                value = m.group(1).strip().rstrip("-－—( （")
                if check(value):
                    return value
        return None

    return {
        "contact_person": first(_PERSON),
        "phone": re.sub(r"[－—–]", "-", first(_PHONE, lambda v: len(re.sub(r"\D", "", v)) >= 7)
                        or first(_PHONE_ANY) or "") or None,
        "email": first(_EMAIL_LABEL) or next((m.group(0) for b in blobs for m in _EMAIL.finditer(b)), None),
        "postal_address": first(_ADDRESS, lambda v: 4 <= len(v) <= 120 and "@" not in v and "http" not in v),
        "postcode": first(_POSTCODE),
    }
