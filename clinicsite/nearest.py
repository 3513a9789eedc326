"""The nearest name to a misspelt one, for "did you mean …?", in time that does not grow with the list.

difflib compares a word with every candidate: 1,000 unknown citations against 20,000
sources took 30 s. A long list is first indexed by the three-letter pieces of its names;
a word is compared only with the few dozen names sharing the most pieces with it, the
only ones that can be near enough (difflib's ratio of 0.6) in practice. Pieces that most
names share ("-20" in every "smith-2020") tell nothing and are not indexed.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Collection

#: Up to this many names, difflib compares with each (as fast as the index, and exact).
SMALL = 200
#: How many names sharing the most pieces with a word are compared with it.
SHORTLIST = 12
#: A piece in more names than this tells little and is not indexed.
COMMON = 500
CUTOFF = 0.6


def _pieces(word: str) -> set[str]:
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class _Index:
    """Names by the three-letter pieces they hold."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        postings: dict[str, list[int]] = {}
        for k, name in enumerate(names):
            for piece in _pieces(name):
                postings.setdefault(piece, []).append(k)
        self.postings = {piece: ks for piece, ks in postings.items() if len(ks) <= COMMON}

    def shortlist(self, word: str) -> list[str]:
        """Return the names sharing the most indexed pieces with word (at most SHORTLIST)."""
        shared: Counter[int] = Counter()
        for piece in _pieces(word):
            shared.update(self.postings.get(piece, ()))
        return [self.names[k] for k, _ in shared.most_common(SHORTLIST)]


#: The last few long collections indexed, each with its index: asked about one word after
#: another (every unknown citation against the same sources), a collection is indexed once.
#: Collections are taken by identity, so they must not change once asked about.
_RECENT: list[tuple[Collection[str], _Index]] = []


def _index(names: Collection[str]) -> _Index:
    for known, index in _RECENT:
        if known is names:
            return index
    index = _Index(tuple(names))
    _RECENT.insert(0, (names, index))
    del _RECENT[4:]
    return index


def nearest(word: str, candidates: Collection[str]) -> str | None:
    """Return the candidate nearest to word (difflib's ratio of at least 0.6), or None."""
    pool = list(candidates) if len(candidates) <= SMALL else _index(candidates).shortlist(word)
    near = difflib.get_close_matches(word, pool, n=1, cutoff=CUTOFF)
    return near[0] if near else None


def suggest(word: str, candidates: Collection[str]) -> str:
    """Return "; did you mean 'NAME'?" for the nearest candidate, or nothing."""
    near = nearest(word, candidates)
    return f"; did you mean '{near}'?" if near else ""
