"""String similarity for the matcher: Jaro-Winkler and Levenshtein.

Uses `rapidfuzz` (C++) when it is installed, because batch resolution calls these millions of
times; otherwise the pure-Python versions below, which give the same answers (tests compare them).
"""

from __future__ import annotations

try:  # pragma: no cover - which branch runs depends on the environment
    from rapidfuzz.distance import JaroWinkler as _RFJW
    from rapidfuzz.distance import Levenshtein as _RFLev

    def jaro_winkler(a: str, b: str) -> float:
        return _RFJW.similarity(a, b) if a and b else 0.0

    def levenshtein(a: str, b: str) -> int:
        return _RFLev.distance(a, b)

    FAST = True
except ImportError:  # pragma: no cover
    FAST = False

    def jaro_winkler(a: str, b: str) -> float:
        return py_jaro_winkler(a, b)

    def levenshtein(a: str, b: str) -> int:
        return py_levenshtein(a, b)


def py_jaro(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    window = max(max(len(a), len(b)) // 2 - 1, 0)
    a_flags = [False] * len(a)
    b_flags = [False] * len(b)
    matches = 0
    for i, ca in enumerate(a):
        lo, hi = max(0, i - window), min(len(b), i + window + 1)
        for j in range(lo, hi):
            if not b_flags[j] and b[j] == ca:
                a_flags[i] = b_flags[j] = True
                matches += 1
                break
    if not matches:
        return 0.0
    transpositions = 0
    j = 0
    for i, ca in enumerate(a):
        if a_flags[i]:
            while not b_flags[j]:
                j += 1
            if ca != b[j]:
                transpositions += 1
            j += 1
    t = transpositions / 2
    return (matches / len(a) + matches / len(b) + (matches - t) / matches) / 3


def py_jaro_winkler(a: str, b: str, prefix_weight: float = 0.1) -> float:
    """Jaro similarity boosted by a shared prefix of up to four characters (Winkler), above 0.7."""
    sim = py_jaro(a, b)
    if sim <= 0.7:
        return sim
    prefix = 0
    for ca, cb in zip(a[:4], b[:4], strict=False):
        if ca != cb:
            break
        prefix += 1
    return sim + prefix * prefix_weight * (1 - sim)


def py_levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions), two-row dynamic programme."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
