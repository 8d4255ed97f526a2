"""Near-duplicate detection over Chinese text: normalisation, shingles, MinHash and LSH band keys.

Pure functions, no database. The same text gives the same band keys in every process and after
every restart: the MinHash permutations come from a fixed seed, the shingles are hashed with
CRC-32 (zlib, not Python's per-process salted hash()), and a band key is a BLAKE2b digest of the
band's position and its MinHash values.

- Normalisation: Unicode NFKC (folds full-width Ｌａｔｉｎ, digits and compatibility forms into
  their ordinary forms), lower case, then every character that is not a letter or digit
  dropped: punctuation (Chinese and Western alike), symbols and all blanks.
- Shingles: overlapping runs of SHINGLE_SIZE characters (2: character bigrams); a text shorter
  than that is one shingle; an empty text has none and is never clustered with anything.
- Why 2 characters: a changed character touches only k shingles, so the smaller k the less a
  changed name, a few added characters or a changed place costs, while texts that merely share
  stock phrases stay far apart at any k. On the generated campaign (bench/campaign.py: 500 copies
  of a 180-character letter with the name twice, the place, punctuation, widths and up to three
  insertions changed, and 500 distinct opinions sharing 建议进一步细化 and the like) two copies have
  a median Jaccard of 0.81 with k = 3 but about 0.87 with k = 2; two distinct opinions at most
  0.50 with k = 2. Over four generator seeds, k = 2 with datasketch's default 9 bands gave
  pairwise recall >= 0.996 and precision 1.0; k = 3 needed 16 bands (and 75 % more band rows) to
  reach 0.976, and gave 0.90 with 9 bands. Most Chinese words have two characters, so a bigram is
  the natural unit of a changed word.
- LSH: for the configured threshold, datasketch picks the bands b and rows r (MinHashLSH's optimal
  parameters: 9 bands of 13 rows for 0.8 and 128 permutations). Two texts share at least one band
  key with probability 1 - (1 - s^r)^b for Jaccard s (about 0.92 at s = 0.85, 0.005 at s = 0.5);
  every candidate is then checked with the exact Jaccard of the shingle sets.
"""
from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
import zlib
from functools import lru_cache

import numpy as np
from datasketch import MinHash, MinHashLSH

SHINGLE_SIZE = 2
NUM_PERM = 128
SEED = 20261203  # fixed: changing it (or NUM_PERM) changes every band key; rebuild afterwards
SCHEME = "affine32"
_DROP = re.compile(r"[\W_]+")  # all but letters and digits (Unicode-aware: 汉字 are letters)


def normalise(text: str) -> str:
    return _DROP.sub("", unicodedata.normalize("NFKC", text or "").lower())


def shingles(normalised: str, k: int = SHINGLE_SIZE) -> frozenset[str]:
    if not normalised:
        return frozenset()
    if len(normalised) <= k:
        return frozenset((normalised,))
    return frozenset(normalised[i:i + k] for i in range(len(normalised) - k + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


_local = threading.local()


def _minhash() -> MinHash:
    """One MinHash per thread, cleared before each use: building one parses its permutations."""
    minhash = getattr(_local, "minhash", None)
    if minhash is None:
        minhash = _local.minhash = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, hashfunc=zlib.crc32)
    return minhash


@lru_cache(maxsize=8)
def band_layout(threshold: float) -> tuple[tuple[int, int], ...]:
    """(start, end) of each band in the signature, as datasketch's MinHashLSH chooses them."""
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    return tuple(lsh.hashranges)


def signature(shingle_set: frozenset[str]) -> np.ndarray:
    minhash = _minhash()
    minhash.clear()
    minhash.update_batch([s.encode("utf-8") for s in shingle_set])  # order does not matter
    return minhash.hashvalues


def band_keys(shingle_set: frozenset[str], threshold: float) -> list[int]:
    """One signed 64-bit key per band (distinct bands never share a key: the band's position and
    the layout are hashed in). No keys for an empty text."""
    if not shingle_set:
        return []
    values = signature(shingle_set).astype("<u4").tobytes()
    return [
        int.from_bytes(hashlib.blake2b(values[4 * start:4 * end], digest_size=8, person=person).digest(),
                       "big", signed=True)
        for start, end, person in _bands(threshold)
    ]


@lru_cache(maxsize=8)
def _bands(threshold: float) -> tuple[tuple[int, int, bytes], ...]:
    layout = band_layout(threshold)
    return tuple((start, end, f"b{index}/{len(layout)}/{end - start}".encode())
                 for index, (start, end) in enumerate(layout))


class Sketch:
    """A text's shingles and band keys, computed once per comment."""

    __slots__ = ("text", "shingles", "keys")

    def __init__(self, text: str, threshold: float):
        self.text = normalise(text)
        self.shingles = shingles(self.text)
        self.keys = band_keys(self.shingles, threshold)
