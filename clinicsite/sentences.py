"""Where one sentence ends and the next begins: the rule behind `claim-sentences`.

A claim is one sentence, so a reader can tell which source backs which sentence. The
rule is written here rather than taken from a segmenter package: pysbd (last released
2021) split "Approx. 20 people took part." after "Approx.", and textstat's and NLTK's
need data downloaded at run time. The rule, in full:

- a sentence ends at `.`, `!`, `?` or `…`, with any closing quotes, brackets or Markdown
  emphasis after it, followed by white space and then a capital letter, a digit, or an
  opening quote or bracket;
- not after a known abbreviation (`Dr`, `e.g.`, `i.e.`, `approx.`, `et al.`, `p.`, … in
  ABBREVIATIONS, any case), a single letter (an initial, "A. Placeholder") or a dotted
  abbreviation ("U.K."); a decimal ("2.5") has no space after its point;
- not inside quoted speech ("She said "It helped. I would go again."" is one sentence):
  double quotes, straight or curly, open and close a quotation.

Most claims have no full stop before their end, so `sentences` first looks for a stop
before the closing ones (str methods, cheaper than any pattern), then screens with one
cheap pattern, and looks closer only when a stop is followed by white space.
"""

from __future__ import annotations

import re

#: Words that end with a full stop without ending a sentence (lowercase, without the stop).
ABBREVIATIONS = frozenset(
    "dr mr mrs ms mx prof st e.g eg i.e ie approx ca cf vs etc al fig figs no nos vol vols p pp ch ed eds inc ltd co jr sr dept univ "  # noqa: SIM905 (words read best as words)
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
#: A stop that might end a sentence: punctuation, closers, white space (the cheap screen).
_STOPS = ".!?\u2026"
_CLOSING = "\"'\u201d\u2019)]*_"
_CLOSERS = _CLOSING.replace("]", "\\]")  # as a class in a pattern
_OPENERS = "\"'\u201c\u2018(\\[*_"
_SCREEN = re.compile(f"[.!?\u2026][{_CLOSERS}]*\\s")
_BOUNDARY = re.compile(f"([.!?\u2026])[{_CLOSERS}]*\\s+(?=[{_OPENERS}]*[A-Z0-9])")
_LAST_WORD = re.compile(r"([\w.]+)\.$")
_QUOTES = {"\u201c": 1, "\u201d": -1}


def _quote_depth(text: str) -> int:
    """Return how many quotations are open at the end of text."""
    depth, straight = 0, False
    for char in text:
        if char == '"':
            straight = not straight
        elif char in _QUOTES:
            depth = max(0, depth + _QUOTES[char])
    return depth + straight


def _is_abbreviation(before: str) -> bool:
    """Return True when the full stop ending `before` belongs to a word, not to the sentence."""
    match = _LAST_WORD.search(before)
    if match is None:
        return False
    word = match.group(1).lower()
    return word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()) or bool(re.fullmatch(r"(?:\w\.)+\w", word))


def sentences(text: str) -> list[str]:
    """Return text split into its sentences, by the rule in this module's docstring."""
    body = text.rstrip(_STOPS + _CLOSING)  # a stop in the run that ends text has no white space after it
    if not ("." in body or "!" in body or "?" in body or "\u2026" in body) or not _SCREEN.search(text):
        return [text]
    found, start = [], 0
    for match in _BOUNDARY.finditer(text):
        before = text[: match.start(1) + 1]
        if match.group(1) == "." and _is_abbreviation(before):
            continue
        if _quote_depth(text[: match.end()]):
            continue
        found.append(text[start : match.end()].strip())
        start = match.end()
    return [*found, text[start:].strip()]
