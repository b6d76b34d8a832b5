"""Telegram's HTML parse mode, as the Bot API server applies it to text and captions.

`parse_html(text)` gives the plain text and the MessageEntity list Telegram would store, or
raises `HtmlError` whose message is what the server puts after "Bad Request: can't parse
entities: " ("can't find end tag corresponding to start tag "b"", "unsupported start tag
"div" at byte offset 12", ...). Offsets and lengths of entities are in UTF-16 code units, as
in the Bot API. Only the tags the Bot API documents are accepted, and only its four named
entities are decoded (https://core.telegram.org/bots/api#html-style); the leading and
trailing white space of a message is dropped, as the server drops it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["HtmlError", "parse_html", "utf16_len"]

_TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "span": "spoiler",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]+);")
_ATTR = re.compile(r"""\s*([a-zA-Z-]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


class HtmlError(ValueError):
    """The text is not valid Telegram HTML; the message is the server's reason."""


@dataclass
class _Open:
    tag: str
    start: int  # UTF-16 offset in the plain text
    attrs: dict[str, str]


def utf16_len(text: str) -> int:
    """Length of TEXT in UTF-16 code units (how the Bot API counts entity offsets)."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _entity(tag: str, attrs: dict[str, str], start: int, length: int) -> dict[str, Any] | None:
    kind = _TAG_TYPES[tag]
    entity: dict[str, Any] = {"offset": start, "length": length, "type": kind}
    if tag == "a":
        href = attrs.get("href", "")
        if not href:
            return None  # Telegram drops a link without a usable URL, keeping the text
        entity["url"] = href
    if tag == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    if tag == "tg-emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    return entity


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """TEXT in HTML parse mode -> (plain text, entities), or HtmlError."""
    parser = _Parser(text)
    i = 0
    while i < len(text):
        if text[i] == "&":
            i = parser.char_ref(i)
        elif text[i] == "<":
            i = parser.tag(i)
        else:
            parser.write(text[i])
            i += 1
    if parser.stack:
        raise HtmlError(f'can\'t find end tag corresponding to start tag "{parser.stack[-1].tag}"')
    return _strip("".join(parser.out), parser.entities)


def _decode(name: str) -> str | None:
    """What the character reference &NAME; stands for, or None if the server knows no such."""
    if name.startswith("#x"):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    return _NAMED.get(name)


class _Parser:
    """The plain text and entities of TEXT so far, and the tags still open."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.out: list[str] = []
        self.out_len = 0  # UTF-16 units written so far
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    def write(self, plain: str) -> None:
        self.out.append(plain)
        self.out_len += utf16_len(plain)

    def _at(self, i: int) -> str:
        return f"byte offset {_byte_offset(self.text, i)}"

    def char_ref(self, i: int) -> int:
        """Write the '&...;' at I; where the text goes on."""
        match = _ENTITY.match(self.text, i)
        decoded = _decode(match.group(1)) if match else None
        if decoded is None or match is None:
            # The server keeps an '&' that starts no entity it knows as a plain '&'.
            self.write("&")
            return i + 1
        self.write(decoded)
        return match.end()

    def tag(self, i: int) -> int:
        """Open or close the tag at I; where the text goes on."""
        end = self.text.find(">", i)
        if end < 0:
            raise HtmlError(f"unclosed start tag at {self._at(i)}")
        inner = self.text[i + 1 : end]
        if inner.startswith("/"):
            self._close(i, inner[1:].strip().lower())
        else:
            self._open(i, inner)
        return end + 1

    def _close(self, i: int, name: str) -> None:
        if not self.stack:
            raise HtmlError(f"unexpected end tag at {self._at(i)}")
        top = self.stack.pop()
        if name and name != top.tag:
            raise HtmlError(
                f'unmatched end tag at {self._at(i)}, expected "</{top.tag}>", found "</{name}>"'
            )
        entity = _entity(top.tag, top.attrs, top.start, self.out_len - top.start)
        if entity is not None and entity["length"] > 0:
            self.entities.append(entity)

    def _open(self, i: int, inner: str) -> None:
        name_match = re.match(r"[a-zA-Z][a-zA-Z0-9-]*", inner)
        name = name_match.group(0).lower() if name_match else ""
        if name not in _TAG_TYPES:
            raise HtmlError(f'unsupported start tag "{name or inner}" at {self._at(i)}')
        attrs = {
            m.group(1).lower(): (m.group(2) or m.group(3) or m.group(4) or "")
            for m in _ATTR.finditer(inner[len(name) :])
            if m.group(1)
        }
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlError(f'unsupported start tag "span" at {self._at(i)}')
        if any(o.tag in ("code", "pre") for o in self.stack) and not (
            name == "code" and self.stack and self.stack[-1].tag == "pre"
        ):
            raise HtmlError(f'tag "{name}" can\'t be inside a code block at {self._at(i)}')
        if name == "blockquote" and any(o.tag == "blockquote" for o in self.stack):
            raise HtmlError("blockquote entities can't be nested")
        self.stack.append(_Open(name, self.out_len, attrs))


def _strip(plain: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """The server strips leading and trailing white space; entities move with the text."""
    stripped = plain.strip()
    lead = utf16_len(plain[: len(plain) - len(plain.lstrip())])
    total = utf16_len(stripped)
    kept = []
    for entity in sorted(entities, key=lambda e: (e["offset"], -e["length"])):
        start = max(entity["offset"] - lead, 0)
        stop = min(entity["offset"] - lead + entity["length"], total)
        if stop > start:
            kept.append({**entity, "offset": start, "length": stop - start})
    return stripped, kept
