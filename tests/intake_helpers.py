"""Helpers for offline-intake tests: the intake form, and tiny but real PDF, PNG and JPEG files
built byte by byte (no imaging library needed)."""
from __future__ import annotations

import io
import struct
import zlib

from helpers import form_tokens


def make_pdf() -> bytes:
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 72 72]>>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj" % number + body + b"endobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def make_png() -> bytes:
    """A 1x1 grey pixel."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(b"\x00\x80")) + _png_chunk(b"IEND", b""))


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def make_jpeg() -> bytes:
    """A 1x1 grey baseline JPEG: one 8x8 block whose coefficients are all zero."""
    quant = _segment(0xDB, b"\x00" + b"\x01" * 64)
    frame = _segment(0xC0, struct.pack(">BHHB", 8, 1, 1, 1) + b"\x01\x11\x00")
    # One-code Huffman tables: DC category 0 and AC end-of-block, each coded as the single bit 0.
    one_code = b"\x01" + b"\x00" * 15 + b"\x00"
    huffman = _segment(0xC4, b"\x00" + one_code + b"\x10" + one_code)
    scan = _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    return b"\xff\xd8" + quant + frame + huffman + scan + b"\x3f" + b"\xff\xd9"


def make_exe() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run in DOS mode."


def make_elf() -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56


def today_local():
    from westlake_feedback.timeutil import now_utc, to_local

    return to_local(now_utc()).date()


def offline_opinion(**overrides) -> dict[str, str]:
    """The fields of the offline intake form, for a letter received today on clause 12."""
    data = {
        "channel": "letter",
        "received_on": today_local().isoformat(),
        "postmarked_on": "",
        "name": "李四",
        "identity_type": "individual",
        "organisation": "",
        "phone": "13900001111",
        "email": "lisi@example.com",
        "postal_address": "杭州市西湖区文三路1号",
        "clause": "12",
        "stance": "oppose",
        "body": "来信认为第十二条的奖励标准偏低,建议提高。",
    }
    data.update(overrides)
    return data


def post_offline(client, slug: str = "xihu-2023-demo", upload: tuple | None = None, **fields):
    """GET the intake form, then POST it (multipart) with its tokens; upload = (bytes, name, type)."""
    page = client.get(f"/staff/intake/{slug}/new")
    assert page.status_code == 200, page.status_code
    data = {**form_tokens(page.get_data(as_text=True)), **offline_opinion(**fields)}
    if upload is not None:
        content, filename, content_type = upload
        data["original"] = (io.BytesIO(content), filename, content_type)
    return client.post(f"/staff/intake/{slug}/new", data=data, content_type="multipart/form-data")
