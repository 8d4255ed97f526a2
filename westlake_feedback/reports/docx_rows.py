"""A DOCX table's data rows written as XML text and put into word/document.xml when it is saved.

The adoption table of a report can have 50,000 rows of five cells. Built as lxml elements (one
template row copied per row, a run added to each cell) that took 60-110 µs a row, and the tree of
some 2.5 million elements then had to be serialised again at save. Here python-docx makes the
table, its header row and one styled template row; the template is serialised once and split at
each cell's paragraph; every data row is that text with the cells' runs put in, written exactly as
lxml would write the same elements (`<w:r><w:t xml:space="preserve">…</w:t></w:r>`, `<w:br/>`
between lines, & < > escaped). The table holds an XML comment where its rows go; `splice` swaps the
comments of the saved document for the rows. Text in a comment cannot collide with a marker:
lxml writes a user's "<!--" as "&lt;!--".
"""
from __future__ import annotations

import re

from lxml import etree

from .ooxml import escape_text, rewrite_parts

DOCUMENT_PART = "word/document.xml"
_CELL = "cell"
_MARKER = re.compile(rb"<!--(rows-\d+)-->")


def run_xml(text: str) -> str:
    """One w:r holding `text` (already cleaned of characters XML cannot hold), lines split by w:br."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<w:r>" + "<w:br/>".join(f'<w:t xml:space="preserve">{escape_text(line)}</w:t>' for line in lines) + "</w:r>"


class RowTemplate:
    """A w:tr with one empty paragraph per cell, as text cut where each cell's run goes."""

    def __init__(self, template_tr) -> None:
        paragraphs = [tc.p_lst[0] for tc in template_tr.tc_lst]
        for paragraph in paragraphs:
            paragraph.append(etree.Comment(_CELL))
        xml = etree.tostring(template_tr, encoding="unicode")
        for paragraph in paragraphs:
            paragraph.remove(paragraph[-1])
        # The template sits inside the document, so its start tag carries the namespace
        # declarations in scope; rows inside the table need none.
        start, end = xml.index(">") + 1, xml.rindex("</")
        self.pieces = xml[start:end].split(f"<!--{_CELL}-->")
        self.open, self.close = "<w:tr>", xml[end:]
        if len(self.pieces) != len(paragraphs) + 1 or self.close != "</w:tr>":
            raise ValueError(f"unexpected template row: {xml[:200]}")

    def rows_xml(self, rows, text_of) -> bytes:
        """The w:tr elements of `rows` in UTF-8, each row a sequence of cell values; `text_of(value)`
        gives a value's text."""
        pieces, count = self.pieces, len(self.pieces) - 1
        out = []
        for values in rows:
            if len(values) != count:
                raise ValueError(f"a row of {len(values)} values for a table of {count} columns")
            parts = [self.open]
            for piece, value in zip(pieces, values):
                parts.append(piece)
                parts.append(run_xml(text_of(value)))
            parts.append(pieces[-1])
            parts.append(self.close)
            # Encoded row by row: one long str would take 2-4 bytes a character for all of it.
            out.append("".join(parts).encode("utf-8"))
        return b"".join(out)


def marker(number: int):
    """The comment that stands for table `number`'s rows until the document is saved."""
    return etree.Comment(f"rows-{number}")


def splice(docx: bytes, rows: dict[str, bytes]) -> bytes:
    """The saved DOCX with each rows-N marker comment of its document replaced by rows["rows-N"]."""

    def put_rows(document: bytes) -> bytes:
        parts = _MARKER.split(document)  # text, name, text, name, ..., text
        if sorted(name.decode() for name in parts[1::2]) != sorted(rows):
            raise ValueError("the document's row markers do not match its tables")
        parts[1::2] = [rows[name.decode()] for name in parts[1::2]]
        return b"".join(parts)

    return rewrite_parts(docx, {DOCUMENT_PART: put_rows}) if rows else docx
