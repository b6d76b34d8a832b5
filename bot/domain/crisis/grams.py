"""Character n-grams of a long text as numbers, looked up all at once with numpy.

Three characters of any script fit one 64-bit number (21 bits each), so a message's
trigrams become one array, sorted once, and a table of strings is tested against it with one
binary search per different n-gram: not a set of thousands of new strings made per message.
Used where a message is long (the rules' needs, normalising's repeated letters). Exact: a
string is left out only when one of its n-grams is not in the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["GramTable", "code", "points", "runs_of_three"]

_BITS = 21  # enough for any code point (0x10FFFF)


def code(gram: str) -> int:
    """Up to three characters as one number."""
    out = 0
    for ch in gram:
        out = (out << _BITS) | ord(ch)
    return out


def points(text: str) -> Any:
    """The text's code points, as an array of unsigned 64-bit numbers."""
    import numpy as np

    return np.frombuffer(text.encode("utf-32-le"), dtype="<u4").astype(np.uint64)


def _grams(pts: Any, n: int) -> Any:
    import numpy as np

    out = pts[: len(pts) - n + 1].copy()
    for k in range(1, n):
        out = (out << np.uint64(_BITS)) | pts[k : len(pts) - n + 1 + k]
    return out


def runs_of_three(text: str) -> bool:
    """Whether some character comes three times in a row."""
    pts = points(text)
    same = pts[1:] == pts[:-1]
    return bool((same[1:] & same[:-1]).any())


class GramTable:
    """Strings (each of at least ``n`` characters) and their n-grams, to find at once those
    whose every n-gram a text holds."""

    def __init__(self, strings: Sequence[str], n: int) -> None:
        import numpy as np

        if not 1 <= n <= 3 or any(len(s) < n for s in strings):
            raise ValueError(f"every string needs at least {n} characters (n is 1 to 3)")
        grams = [[s[i : i + n] for i in range(len(s) - n + 1)] for s in strings]
        self.n = n
        self.strings = tuple(strings)
        # each different n-gram once, sorted; each string's n-grams as places in that list
        self._codes, places = np.unique(
            np.asarray([code(g) for gs in grams for g in gs], dtype=np.uint64),
            return_inverse=True,
        )
        self._places = places.reshape(-1)
        self._starts = np.cumsum([0] + [len(g) for g in grams[:-1]], dtype=np.intp)

    def held(self, pts: Any) -> list[str]:
        """The strings whose every n-gram is in the text whose code points are ``pts``."""
        import numpy as np

        if not self.strings or len(pts) < self.n:
            return []
        have = np.sort(_grams(pts, self.n), kind="stable")
        at = np.minimum(np.searchsorted(have, self._codes), len(have) - 1)
        found = have[at] == self._codes
        every = np.logical_and.reduceat(found[self._places], self._starts)
        return [self.strings[i] for i in np.flatnonzero(every)]
