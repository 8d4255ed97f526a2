"""Top keywords of Chinese comments: jieba segmentation minus a stop-word list.

jieba's dictionary ships inside the jieba package, so nothing is downloaded. Segmentation is
deterministic for a given jieba version, and ties are broken by the word itself.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import jieba

jieba.setLogLevel(logging.WARNING)

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# "2023年", "49亿元", "30%", "第3条", "三十万元": numbers with or without a unit say nothing on their own.
_NUMBER_LIKE = re.compile(
    r"^第?[\d.,%零〇一二三四五六七八九十百千万亿两]+"
    r"[年月日号时分秒个条款项次件家名位人元万亿%度岁层米平方公里亩吨]*$"
)
# Short upper-case acronyms such as AI, 5G, GDP are kept; other Latin text is noise (URLs, ids).
_ACRONYM = re.compile(r"^(?=.*[A-Z])[A-Z0-9]{2,6}$")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    text = resources.files(__package__).joinpath("data/stopwords-zh.txt").read_text(encoding="utf-8")
    words: set[str] = set()
    for line in text.splitlines():
        if line.strip().startswith("#"):
            continue
        words.update(unicodedata.normalize("NFKC", word) for word in line.split())
    return frozenset(words)


def keep(token: str) -> bool:
    """Whether a segmented token may count as a keyword."""
    token = token.strip()
    if len(token) < 2 or token in stopwords():
        return False
    if _CJK.search(token):
        return not _NUMBER_LIKE.match(token)
    return bool(_ACRONYM.match(token))


def tokens(text: str) -> list[str]:
    """The keyword candidates of one text, in order. Full-width Latin letters and digits are
    folded to ASCII first (NFKC), so "ＡＩ" and "AI" count as one word."""
    if not text:
        return []
    normalised = unicodedata.normalize("NFKC", text)
    return [token.strip() for token in jieba.lcut(normalised) if keep(token)]


def count_keywords(texts: Iterable[str], counter: Counter | None = None) -> Counter:
    counter = Counter() if counter is None else counter
    for text in texts:
        counter.update(tokens(text))
    return counter


def most_common(counter: Counter, n: int = 10) -> list[tuple[str, int]]:
    """Count descending, then the word in code-point order: the same input gives the same list."""
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:n]


def top_keywords(texts: Iterable[str], n: int = 10) -> list[tuple[str, int]]:
    return most_common(count_keywords(texts), n)
