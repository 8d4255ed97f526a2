"""Top keywords of Chinese comments: jieba segmentation minus a stop-word list.

jieba's dictionary ships inside the jieba package, so nothing is downloaded. Segmentation is
deterministic for a given jieba version, and ties are broken by the word itself.

Speed: jieba cuts a text into blocks of Han characters, letters and digits (`re_han_default`)
and segments each block on its own; everything between blocks comes out as single characters or
whitespace, which `keep` drops. So `tokens` splits the same way and segments each distinct block
once (`KeywordCounter` counts blocks first, then segments each distinct block a single time;
a block of digits or lower-case Latin letters alone is skipped, as it cannot hold a keyword):
the words are exactly jieba's, and the many sentence fragments that recur across 100,000
comments (copied campaign texts, "建议", "希望加快…") are segmented once instead of every time.
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

_HAN_BLOCK = jieba.re_han_default  # what jieba.cut segments as one block (the rest is punctuation)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# "2023年", "49亿元", "30%", "第3条", "三十万元": numbers with or without a unit say nothing on their own.
_NUMBER_LIKE = re.compile(
    r"^第?[\d.,%零〇一二三四五六七八九十百千万亿两]+"
    r"[年月日号时分秒个条款项次件家名位人元万亿%度岁层米平方公里亩吨]*$"
)
# Short upper-case acronyms such as AI, 5G, GDP are kept; other Latin text is noise (URLs, ids).
_ACRONYM = re.compile(r"^(?=.*[A-Z])[A-Z0-9]{2,6}$")
# A block without Han characters or capital letters ("2023", "12.5%", "http") cannot yield a kept
# word (every word of it is a piece of it), so it is not segmented at all.
_MAY_HOLD_KEYWORD = re.compile(r"[A-Z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    text = resources.files(__package__).joinpath("data/stopwords-zh.txt").read_text(encoding="utf-8")
    words: set[str] = set()
    for line in text.splitlines():
        if line.strip().startswith("#"):
            continue
        words.update(unicodedata.normalize("NFKC", word) for word in line.split())
    return frozenset(words)


@lru_cache(maxsize=65536)
def keep(token: str) -> bool:
    """Whether a segmented token may count as a keyword."""
    token = token.strip()
    if len(token) < 2 or token in stopwords():
        return False
    if _CJK.search(token):
        return not _NUMBER_LIKE.match(token)
    return bool(_ACRONYM.match(token))


def blocks(text: str) -> list[str]:
    """The blocks jieba segments one by one (see the module docstring), after NFKC folding:
    full-width Latin letters and digits become ASCII, so "ＡＩ" and "AI" count as one word."""
    if not text:
        return []
    normalised = unicodedata.normalize("NFKC", text)
    return [block for block in _HAN_BLOCK.split(normalised)
            if block and _HAN_BLOCK.match(block) and _MAY_HOLD_KEYWORD.search(block)]


@lru_cache(maxsize=100_000)
def block_tokens(block: str) -> tuple[str, ...]:
    """jieba's words of one block that may count as keywords, in order."""
    return tuple(token.strip() for token in jieba.lcut(block) if keep(token))


def tokens(text: str) -> list[str]:
    """The keyword candidates of one text, in order: the same as filtering jieba.lcut(text)."""
    return [token for block in blocks(text) for token in block_tokens(block)]


class KeywordCounter:
    """Counts the keywords of many texts, segmenting each distinct block only once."""

    def __init__(self) -> None:
        self.blocks: Counter = Counter()

    def add(self, text: str) -> None:
        self.blocks.update(blocks(text))

    def counts(self, cache: dict | None = None) -> Counter:
        cache = {} if cache is None else cache
        counter: Counter = Counter()
        for block, times in self.blocks.items():
            words = cache.get(block)
            if words is None:
                words = cache[block] = tuple(t.strip() for t in jieba.lcut(block) if keep(t))
            for word in words:
                counter[word] += times
        return counter


def count_keywords(texts: Iterable[str], counter: Counter | None = None) -> Counter:
    keywords = KeywordCounter()
    for text in texts:
        keywords.add(text)
    result = keywords.counts()
    if counter is not None:
        counter.update(result)
        return counter
    return result


def most_common(counter: Counter, n: int = 10) -> list[tuple[str, int]]:
    """Count descending, then the word in code-point order: the same input gives the same list."""
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:n]


def top_keywords(texts: Iterable[str], n: int = 10) -> list[tuple[str, int]]:
    return most_common(count_keywords(texts), n)
