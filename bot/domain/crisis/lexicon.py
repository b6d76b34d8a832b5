"""The detector's tables, read once from the YAML files in ``data/``.

Word lists, the algospeak list, rewrites, marker and scope patterns and the rules live
in data files so that they can be read and reviewed as tables; this module loads them,
checks their shape and compiles their patterns. A broken file raises
:class:`TableError` naming the file and the entry.
"""

from __future__ import annotations

import functools
import re
import re._constants as sre_c  # the parsed form of a pattern, for required_text()
import re._parser as sre_p
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from bot import yamlfiles

__all__ = [
    "DATA_FILES",
    "DetectorUnavailable",
    "Rewrite",
    "TableError",
    "alternatives",
    "data_file",
    "lexicon",
    "required_sets",
    "required_text",
    "rewrites",
    "words",
]

DATA_FILES = (
    "algospeak.yaml",
    "emoji.yaml",
    "lexicon.yaml",
    "markers.yaml",
    "rewrites.yaml",
    "rules.yaml",
    "scopes.yaml",
)


class DetectorUnavailable(RuntimeError):
    """The crisis detector cannot run: a model or data file is missing, damaged or unreadable."""


class TableError(DetectorUnavailable, ValueError):
    """A data file of the detector is missing or malformed."""


@dataclass(frozen=True, slots=True)
class Rewrite:
    """One rewrite: a compiled pattern and its replacement (``\\1`` groups allowed)."""

    pattern: re.Pattern[str]
    write: str
    source: str
    find: str  # the pattern as written (``pattern`` may be hoisted)


@functools.cache
def data_file(name: str) -> Mapping[str, Any]:
    """Return the parsed YAML file ``name`` from the package's ``data`` folder."""
    try:
        text = (
            resources.files(__package__).joinpath("data").joinpath(name).read_text(encoding="utf-8")
        )
    except (FileNotFoundError, OSError) as exc:
        raise TableError(f"crisis detector data file {name} is missing: {exc}") from exc
    try:
        data = yamlfiles.safe_load(text)
    except yaml.YAMLError as exc:
        raise TableError(f"crisis detector data file {name} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise TableError(f"crisis detector data file {name} should hold a mapping")
    return data


# Look-behinds, then "\\b", then a plain letter or digit that no quantifier follows ...
_HOISTABLE = re.compile(r"((?:\(\?<[!=][^()]*\))*)\\b([a-z0-9])(?![?*+{])")
# ... or "\\b" then a group of plain words: "\\b(to|did|my) sh\\b".
_HOISTABLE_WORDS = re.compile(r"\\b\((\?:)?([a-z0-9' ]+(?:\|[a-z0-9' ]+)*)\)(?![?*+{])")


def _hoisted(c: str, behind: str = "") -> str:
    # after the letter: no word character before it, and each look-behind moved past it
    moved = "".join(f"{b[:-1]}{c})" for b in re.findall(r"\(\?<[!=][^()]*\)", behind))
    return f"{c}(?<!\\w{c}){moved}"


def hoist(pattern: str) -> str:
    """``\\bkms\\b`` as ``k(?<!\\wk)ms\\b``: the same matches, found far sooner.

    A pattern that opens with ``\\b`` makes ``re`` try it at every character of a message;
    one that opens with a letter (or a group whose every branch does) lets ``re`` jump from
    one such letter to the next: 10 to 25 times faster over a long message. The look-behind
    puts the word boundary back: before a letter, ``\\b`` holds exactly when the character
    before it is not a word character; any look-behind before the ``\\b`` moves past the
    letter too (``(?<!\\d)\\bk`` as ``k(?<!\\wk)(?<!\\dk)``).
    """
    m = _HOISTABLE.match(pattern)
    if m is not None:
        return _hoisted(m.group(2), m.group(1)) + pattern[m.end() :]
    m = _HOISTABLE_WORDS.match(pattern)
    if m is not None and all(w[:1].isalnum() for w in m.group(2).split("|")):
        branches = "|".join(_hoisted(w[0]) + w[1:] for w in m.group(2).split("|"))
        return f"({m.group(1) or ''}{branches}){pattern[m.end() :]}"
    return pattern


def compile_pattern(pattern: str, where: str) -> re.Pattern[str]:
    """Compile ``pattern`` (hoisted, see :func:`hoist`), naming ``where`` if it is broken."""
    try:
        return re.compile(hoist(pattern))
    except re.error as exc:
        raise TableError(f"bad pattern in {where}: {exc}: {pattern!r}") from exc


def alternatives(value: str | list[str], where: str) -> re.Pattern[str]:
    """Compile one pattern, or a list of alternatives joined with ``|``."""
    if isinstance(value, str):
        return compile_pattern(value, where)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TableError(f"{where} should be a pattern or a list of patterns")
    return compile_pattern("|".join(f"(?:{hoist(v)})" for v in value), where)


def words(value: Any, where: str) -> frozenset[str]:
    """Return the words of a space-separated string (or list) as a set."""
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return frozenset(value)
    raise TableError(f"{where} should be a space-separated string of words")


def lexicon() -> Mapping[str, Any]:
    """Return the word lists (``data/lexicon.yaml``)."""
    return data_file("lexicon.yaml")


def _rewrite_list(file: str, key: str, *, named: bool) -> tuple[Rewrite, ...]:
    entries = data_file(file).get(key)
    if not isinstance(entries, list):
        raise TableError(f"{file}: {key} should be a list")
    out: list[Rewrite] = []
    for n, entry in enumerate(entries, start=1):
        where = f"{file}: {key} entry {n}"
        if named:
            if not isinstance(entry, dict) or not {"find", "write", "added", "where"} <= set(entry):
                raise TableError(f"{where} needs find, write, added and where")
            find, write = entry["find"], entry["write"]
        else:
            if not isinstance(entry, list) or len(entry) != 2:
                raise TableError(f"{where} should be [find, write]")
            find, write = entry
        if not isinstance(find, str) or not isinstance(write, str):
            raise TableError(f"{where}: find and write should be text")
        out.append(Rewrite(compile_pattern(find, where), write, where, find))
    return tuple(out)


@functools.cache
def rewrites() -> tuple[Rewrite, ...]:
    """Return every rewrite in the order it runs: algospeak, slips, then chat shorthand."""
    return (
        _rewrite_list("algospeak.yaml", "algospeak", named=True)
        + _rewrite_list("algospeak.yaml", "slips", named=True)
        + _rewrite_list("rewrites.yaml", "rewrites", named=False)
    )


def _required(seq: Any) -> frozenset[str] | None:
    """Strings one of which every match of the parsed sequence ``seq`` contains: of the sets
    `_required_each` finds, the one whose shortest member is longest."""
    best: frozenset[str] | None = None
    for found in _required_each(seq):
        if best is None or min(map(len, found)) > min(map(len, best)):
            best = found
    return best


def _required_each(seq: Any) -> list[frozenset[str]]:
    """Every set, in the parsed sequence ``seq``, of which each match contains one member:
    all of them hold at once (a literal run, a group that must match, a branch whose every
    side needs one)."""
    out: list[frozenset[str]] = []
    run = ""
    for op, av in seq:
        if op is sre_c.LITERAL:
            run += chr(av)
            continue
        if op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            continue  # zero-width: the literal run goes on
        if run:
            out.append(frozenset([run]))
        run = ""
        if op is sre_c.SUBPATTERN:
            if not av[1] & re.IGNORECASE:  # a caseless group's literals are not its text
                out.extend(_required_each(av[-1]))
        elif op is sre_c.BRANCH:
            alts = [_required(a) for a in av[1]]
            if all(a is not None for a in alts):
                out.append(frozenset().union(*(a for a in alts if a is not None)))
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT) and av[0] >= 1:
            out.extend(_required_each(av[2]))
        elif op is sre_c.IN and _letters(av):  # [儲存]: (?:儲|存) as the parser keeps it
            out.append(_letters(av))
    if run:
        out.append(frozenset([run]))
    return out


def _letters(items: Any) -> frozenset[str]:
    """The characters of a class made of plain characters only (else empty)."""
    if not items or not all(op is sre_c.LITERAL for op, _ in items):
        return frozenset()
    return frozenset(chr(c) for _, c in items)


def _sides(seq: Any) -> list[Any]:
    """The top-level alternatives of a parsed pattern, through groups that hold only one."""
    while len(seq) == 1:
        op, av = seq[0]
        if op is sre_c.BRANCH:
            return [side for branch in av[1] for side in _sides(branch)]
        if op is sre_c.SUBPATTERN and not av[1] & re.IGNORECASE:
            seq = av[-1]
            continue
        break
    return [seq]


Gate = tuple[tuple[frozenset[str], ...], ...]


def required_sets(pattern: str, shortest: int = 2) -> Gate | None:
    """For each top-level alternative of ``pattern``, the sets of strings of which every
    match of that alternative holds one member of each; None if some alternative has none.

    A stronger gate than :func:`required_text`: "(?:walk|swim) into the (?:sea|water)"
    needs "into the " and one of "sea" and "water", not only one of them. Exact, not a
    guess: text that, for every alternative, lacks every member of one of its sets cannot
    match.
    """
    try:
        parsed = sre_p.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    gate = []
    for side in _sides(parsed):
        # (one character of a script written without spaces, 割 or 死, tells as much as two
        # letters do)
        sets = tuple(
            dict.fromkeys(
                s
                for s in _required_each(side)
                if all(len(n) >= shortest or (n and not n.isascii()) for n in s)
            )
        )
        if not sets:
            return None
        gate.append(sets)
    return tuple(gate)


@functools.lru_cache(maxsize=1024)
def required_text(pattern: str, shortest: int = 3) -> frozenset[str] | None:
    """Strings of which every match of ``pattern`` contains one, or None if none is known.

    A cheap gate for long messages: when none of them is in the text, the pattern cannot
    match, so the (slow, position-by-position) regex search is skipped. Exact, not a guess.
    """
    try:
        found = _required(sre_p.parse(pattern))
    except re.error:
        return None
    if not found or min(map(len, found)) < shortest:
        return None
    return found
