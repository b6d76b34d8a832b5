"""BPD resources: topics loaded from Markdown files, filtered by role, searched.

A topic is one Markdown file with YAML front matter; its body is split into
pages by a line of three dashes. Pages are rendered once, at load, to the small
subset of HTML that Telegram accepts. Folders are loaded in order and a later
folder replaces an earlier one's topic with the same id, so a service can add or
replace topics in its own folder without editing the package.

File format (see content/resources/README.md)::

    ---
    id: what-is-bpd                 # lowercase letters, digits, dashes
    title: What BPD is
    audience: [consumer]            # consumer | carer | peer
    order: 10                       # menu position, low first
    model: integrated               # optional: only for this service model
    links:
      - title: Project Air Strategy
        url: https://www.projectairstrategy.org
    sources:
      - Gunderson JG, et al. (2011) ...
    ---
    First page, with **bold**, _italic_, [a link](https://example.org) and

    - bullet lines

    ---

    Second page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot import yamlfiles
from bot.domain.language import find_stigmatising
from bot.domain.roles import ALL_ROLES

__all__ = [
    "AUDIENCES",
    "GUEST",
    "MODELS",
    "PAGE_TARGET",
    "ROLES",
    "ROLE_AUDIENCES",
    "TELEGRAM_MESSAGE_LIMIT",
    "Library",
    "Link",
    "ResourceFileError",
    "Topic",
    "load_library",
    "load_topic",
    "plain_text",
    "render_markdown",
    "telegram_length",
    "validate_library",
    "validate_topic",
]

TELEGRAM_MESSAGE_LIMIT = 4096
# About one phone screen of text; the flow adds a title and page counter.
PAGE_TARGET = 1200

AUDIENCES: tuple[str, ...] = ("consumer", "carer", "peer")
MODELS: tuple[str, ...] = ("integrated", "complementary")
ROLES: tuple[str, ...] = ALL_ROLES
# Someone with no role yet: they opened resources from the crisis card before /start.
GUEST = "guest"
# Which audiences each role sees, most relevant first (that is the menu order).
# Peer workers also see the topics of the people they support, so they can
# point someone to a skill or a carer page.
ROLE_AUDIENCES: Mapping[str, tuple[str, ...]] = {
    GUEST: ("consumer", "carer"),
    "consumer": ("consumer",),
    "carer": ("carer",),
    "consumer_peer": ("peer", "consumer"),
    "carer_peer": ("peer", "carer"),
    "coordinator": ("consumer", "carer", "peer"),
    "clinician": ("consumer", "carer"),
}

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_PAGE_BREAK_RE = re.compile(r"^---[ \t]*$", re.MULTILINE)
_URL_RE = re.compile(
    r"^https://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?:[/?#][^\s<>\"'`]*)?$"
)
_LINK_RE = re.compile(r"\[([^\[\]\n]+)\]\(([^()\s]+)\)")
_LINK_LIKE_RE = re.compile(r"\]\(")
_BOLD_RE = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC_RE = re.compile(r"(?<![\w*])_(?=\S)(.+?)(?<=\S)_(?!\w)")
_HEADING_RE = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
_BULLET_RE = re.compile(r"^\s*[-*\u2022]\s+(.*)$")
_NUMBERED_RE = re.compile(r"^\s*(\d{1,2}[.)])\s+(.*)$")
_TAG_RE = re.compile(r"<(/?)([a-z]+)(?:\s[^>]*)?>")
_KNOWN_FIELDS = frozenset({"id", "title", "audience", "order", "model", "links", "sources"})


class ResourceFileError(ValueError):
    """A resource file (or folder) that cannot be read; the message names it."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True)
class Link:
    """A link to a public organisation, shown under a topic."""

    title: str
    url: str


@dataclass(frozen=True)
class Topic:
    """One resource topic, its pages already rendered to Telegram HTML."""

    id: str
    title: str
    audience: frozenset[str]
    order: int
    pages: tuple[str, ...]
    links: tuple[Link, ...] = ()
    sources: tuple[str, ...] = ()
    model: str | None = None
    markdown: tuple[str, ...] = field(default=(), compare=False, repr=False)
    path: Path | None = field(default=None, compare=False, repr=False)

    @property
    def text(self) -> str:
        """The topic's title and pages as plain text (for search)."""
        return "\n".join([self.title, *(plain_text(page) for page in self.pages)])


# --- rendering ---------------------------------------------------------------


def _inline(text: str) -> str:
    """Render one line's inline Markdown (links, bold, italic) to escaped HTML."""
    text = text.replace("\x00", "")
    anchors: list[str] = []

    def keep_link(match: re.Match[str]) -> str:
        label, url = match.group(1), match.group(2)
        if not _URL_RE.match(url):
            return match.group(0)  # left as text; validate_topic reports it
        anchors.append(url)
        return f"\x00{len(anchors) - 1}\x01{label}\x00/\x01"

    text = _LINK_RE.sub(keep_link, text)
    text = html.escape(text, quote=False)
    text = _BOLD_RE.sub(r"<b>\1</b>", text)
    text = _ITALIC_RE.sub(r"<i>\1</i>", text)

    def open_anchor(match: re.Match[str]) -> str:
        url = html.escape(anchors[int(match.group(1))], quote=True)
        return f'<a href="{url}">'

    text = re.sub(r"\x00(\d+)\x01", open_anchor, text)
    return text.replace("\x00/\x01", "</a>")


def render_markdown(markdown: str) -> str:
    """Render one page of Markdown to Telegram HTML.

    Supports paragraphs (lines joined, blank line between), ``#`` headings
    (shown bold), bullet lines (``-`` or ``*``, shown as •), numbered lines,
    ``**bold**``, ``_italic_`` and ``[text](https://url)`` links. Everything
    else is escaped and shown as written.
    """
    blocks: list[str] = []
    for block in re.split(r"\n[ \t]*\n", markdown.replace("\r\n", "\n").strip()):
        # Each item is one output line; a heading never absorbs the next line.
        items: list[str] = []
        open_item = False
        for raw in block.splitlines():
            line = raw.strip()
            if not line:
                continue
            heading = _HEADING_RE.match(line)
            bullet = _BULLET_RE.match(raw)
            numbered = _NUMBERED_RE.match(raw)
            if heading:
                items.append(f"**{heading.group(1)}**")
                open_item = False
            elif bullet:
                items.append("\u2022 " + bullet.group(1).strip())
                open_item = True
            elif numbered:
                items.append(f"{numbered.group(1)} {numbered.group(2).strip()}")
                open_item = True
            elif open_item:
                items[-1] = f"{items[-1]} {line}"  # wrapped line of a paragraph or list item
            else:
                items.append(line)
                open_item = True
        blocks.append("\n".join(_inline(item) for item in items))
    return "\n\n".join(block for block in blocks if block)


def plain_text(page_html: str) -> str:
    """Strip tags and entities from rendered HTML: what the reader sees."""
    return html.unescape(_TAG_RE.sub("", page_html))


def telegram_length(page_html: str) -> int:
    """Length Telegram counts for a message: UTF-16 code units of the visible text."""
    return len(plain_text(page_html).encode("utf-16-le")) // 2


# --- loading -----------------------------------------------------------------


def _split_front_matter(path: Path, source: str) -> tuple[dict[str, Any], str]:
    match = _FRONT_MATTER_RE.match(source.lstrip("\ufeff"))
    if not match:
        raise ResourceFileError(
            path,
            "missing front matter: the file must start with a '---' line, then YAML, then '---'",
        )
    try:
        meta = yamlfiles.safe_load(match.group(1))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (front matter line {mark.line + 1})" if mark is not None else ""
        raise ResourceFileError(path, f"front matter is not valid YAML{where}") from error
    if not isinstance(meta, dict):
        raise ResourceFileError(path, "front matter must be a YAML mapping of field: value")
    return meta, source[match.end() :]


def _strings(path: Path, meta: dict[str, Any], key: str) -> list[str]:
    value = meta.get(key, [])
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ResourceFileError(path, f"'{key}' must be a list of text items")
    return [item.strip() for item in value]


def _links(path: Path, meta: dict[str, Any]) -> tuple[Link, ...]:
    value = meta.get("links") or []
    if not isinstance(value, list):
        raise ResourceFileError(path, "'links' must be a list of {title, url} items")
    links = []
    for number, item in enumerate(value, start=1):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("title"), str)
            or not isinstance(item.get("url"), str)
        ):
            raise ResourceFileError(
                path, f"link {number} must have a text 'title' and a text 'url'"
            )
        links.append(Link(title=item["title"].strip(), url=item["url"].strip()))
    return tuple(links)


def load_topic(path: Path) -> Topic:
    """Read one topic file; raise ResourceFileError naming the file if it is broken."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ResourceFileError(path, f"cannot be read as UTF-8 text ({error})") from error
    meta, body = _split_front_matter(path, source)

    unknown = sorted(set(map(str, meta)) - _KNOWN_FIELDS)
    if unknown:
        raise ResourceFileError(path, f"unknown front matter field(s): {', '.join(unknown)}")
    topic_id = meta.get("id")
    if not isinstance(topic_id, str) or not _ID_RE.match(topic_id):
        raise ResourceFileError(
            path,
            "'id' must be 1-40 lowercase letters, digits or dashes, "
            "starting with a letter or digit",
        )
    title = meta.get("title", "")
    if title is None:
        title = ""
    if not isinstance(title, str):
        raise ResourceFileError(path, "'title' must be text")
    order = meta.get("order", 1000)
    if isinstance(order, bool) or not isinstance(order, int):
        raise ResourceFileError(path, "'order' must be a whole number")
    model = meta.get("model")
    if model is not None and model not in MODELS:
        raise ResourceFileError(path, f"'model' must be one of {', '.join(MODELS)}, or left out")

    markdown = tuple(page.strip() for page in _PAGE_BREAK_RE.split(body) if page.strip())
    return Topic(
        id=topic_id,
        title=title.strip(),
        audience=frozenset(a.lower() for a in _strings(path, meta, "audience")),
        order=order,
        pages=tuple(render_markdown(page) for page in markdown),
        links=_links(path, meta),
        sources=tuple(_strings(path, meta, "sources")),
        model=model,
        markdown=markdown,
        path=path,
    )


def _topic_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise ResourceFileError(folder, "resources folder does not exist")
    return sorted(
        path
        for path in folder.rglob("*.md")
        if path.is_file()
        and not path.name.startswith(("_", "."))
        and path.name.lower() != "readme.md"
    )


def _load_folder(folder: Path) -> dict[str, Topic]:
    topics: dict[str, Topic] = {}
    for path in _topic_files(folder):
        topic = load_topic(path)
        if topic.id in topics:
            raise ResourceFileError(
                path,
                f"id '{topic.id}' is already used by {topics[topic.id].path} in the same folder",
            )
        topics[topic.id] = topic
    return topics


def load_library(dirs: Sequence[Path], *, model: str | None = None) -> Library:
    """Load topics from each folder in turn; a later folder replaces topics by id.

    With ``model`` set, topics written for the other service model are left out.
    """
    merged: dict[str, Topic] = {}
    for folder in dirs:
        merged.update(_load_folder(Path(folder)))
    if model is not None:
        merged = {key: t for key, t in merged.items() if t.model in (None, model)}
    return Library(merged.values())


# --- the library -------------------------------------------------------------


def _words(query: str) -> list[str]:
    return [w for w in (word.strip(".,;:!?\"'()[]").casefold() for word in query.split()) if w]


class Library:
    """All topics a service offers, looked up by id, by role, or by words."""

    def __init__(self, topics: Iterable[Topic]) -> None:
        self._topics: dict[str, Topic] = {topic.id: topic for topic in topics}
        self._text: dict[str, tuple[str, str]] = {
            t.id: (t.title.casefold(), t.text.casefold()) for t in self._topics.values()
        }

    def __len__(self) -> int:
        return len(self._topics)

    def __iter__(self) -> Iterator[Topic]:
        return iter(sorted(self._topics.values(), key=lambda t: (t.order, t.id)))

    def __contains__(self, topic_id: object) -> bool:
        return topic_id in self._topics

    def get(self, topic_id: str) -> Topic | None:
        """The topic with this id, or None."""
        return self._topics.get(topic_id)

    def for_role(self, role: str) -> list[Topic]:
        """Topics this role (or GUEST) may read, in menu order. Unknown roles raise ValueError."""
        try:
            audiences = ROLE_AUDIENCES[role]
        except KeyError:
            raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}") from None
        ranked = []
        for topic in self._topics.values():
            ranks = [audiences.index(a) for a in topic.audience if a in audiences]
            if ranks:
                ranked.append((min(ranks), topic.order, topic.id, topic))
        return [entry[-1] for entry in sorted(ranked, key=lambda e: e[:3])]

    def visible_to(self, topic_id: str, role: str) -> Topic | None:
        """The topic if this role may read it, else None."""
        topic = self._topics.get(topic_id)
        if topic is None or role not in ROLE_AUDIENCES:
            return None
        return topic if topic.audience & set(ROLE_AUDIENCES[role]) else None

    def search(self, query: str, role: str) -> list[Topic]:
        """Topics for this role containing every word of the query (any case).

        Topics whose title holds every word come first, then those whose title
        holds some of them, then matches in the text only; menu order within each.
        """
        words = _words(query)
        if not words:
            return []
        results = []
        for position, topic in enumerate(self.for_role(role)):
            title, text = self._text[topic.id]
            if all(word in text for word in words):
                in_title = sum(word in title for word in words)
                rank = 0 if in_title == len(words) else 1 if in_title else 2
                results.append((rank, position, topic))
        return [entry[-1] for entry in sorted(results, key=lambda e: e[:2])]


# --- validation --------------------------------------------------------------


def _balanced(page_html: str) -> bool:
    stack: list[str] = []
    for match in _TAG_RE.finditer(page_html):
        closing, name = match.group(1), match.group(2)
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack


def _language(where: str, text: str) -> list[str]:
    return [
        f'{where}: "{found}" is stigmatising; try "{better}"'
        for found, better in find_stigmatising(text)
    ]


def validate_topic(topic: Topic, *, page_target: int = PAGE_TARGET) -> list[str]:
    """Readable problems with one topic; an empty list means it is fine."""
    name = str(topic.path) if topic.path else topic.id
    problems = _front_matter_problems(name, topic)
    for number, (page, markdown) in enumerate(
        zip(topic.pages, topic.markdown, strict=False), start=1
    ):
        problems += _page_problems(f"{name} page {number}", page, markdown, page_target)
    for number, link in enumerate(topic.links, start=1):
        problems += _link_problems(f"{name} link {number}", link)
    for number, source in enumerate(topic.sources, start=1):
        problems += _language(f"{name} source {number}", source)
    return problems


def _front_matter_problems(name: str, topic: Topic) -> list[str]:
    """What is missing or unknown in the topic's title, audience and pages."""
    problems: list[str] = []
    if not topic.title:
        problems.append(f"{name}: missing title")
    if not topic.audience:
        problems.append(
            f"{name}: no audience; add 'audience' with one or more of {', '.join(AUDIENCES)}"
        )
    for audience in sorted(topic.audience - set(AUDIENCES)):
        problems.append(f"{name}: unknown audience '{audience}'; use {', '.join(AUDIENCES)}")
    if not topic.pages:
        problems.append(f"{name}: no pages; write some text after the front matter")
    return problems + _language(f"{name} title", topic.title)


def _page_problems(where: str, page: str, markdown: str, page_target: int) -> list[str]:
    """Problems with one page: its length, its links, its marks and its language."""
    problems: list[str] = []
    if len(page) > TELEGRAM_MESSAGE_LIMIT:
        problems.append(
            f"{where}: {len(page)} characters of HTML is over Telegram's "
            f"{TELEGRAM_MESSAGE_LIMIT} limit"
        )
    length = telegram_length(page)
    if length > page_target:
        problems.append(
            f"{where}: {length} characters is longer than one phone screen ({page_target}); "
            "split it with a '---' line"
        )
    problems += _malformed_links(where, markdown)
    if not _balanced(page):
        problems.append(
            f"{where}: bold, italic or link marks overlap; close one before opening another"
        )
    if "**" in plain_text(page):
        problems.append(f"{where}: a '**' has no partner, so bold will not show")
    return problems + _language(where, markdown)


def _malformed_links(where: str, markdown: str) -> list[str]:
    problems = []
    for match in _LINK_LIKE_RE.finditer(markdown):
        written = _LINK_RE.match(markdown, markdown.rfind("[", 0, match.start() + 1))
        if written is None or not _URL_RE.match(written.group(2)):
            snippet = markdown[max(0, match.start() - 30) : match.end() + 40].replace("\n", " ")
            problems.append(
                f'{where}: malformed link near "{snippet}"; use [text](https://address)'
            )
    return problems


def _link_problems(where: str, link: Link) -> list[str]:
    problems = []
    if not link.title:
        problems.append(f"{where}: missing title")
    if not _URL_RE.match(link.url):
        problems.append(
            f"{where}: malformed url '{link.url}'; use a full https:// address with no spaces"
        )
    return problems + _language(where, link.title)


def validate_library(dirs: Sequence[Path], *, page_target: int = PAGE_TARGET) -> list[str]:
    """Every problem in these resource folders, as readable lines, for `python -m bot check`.

    Unlike load_library it does not stop at the first broken file.
    """
    problems: list[str] = []
    for folder in map(Path, dirs):
        try:
            files = _topic_files(folder)
        except ResourceFileError as error:
            problems.append(str(error))
            continue
        seen: dict[str, Path] = {}
        for path in files:
            try:
                topic = load_topic(path)
            except ResourceFileError as error:
                problems.append(str(error))
                continue
            if topic.id in seen:
                problems.append(
                    f"{path}: id '{topic.id}' is already used by {seen[topic.id]} "
                    "in the same folder"
                )
            seen[topic.id] = path
            problems += validate_topic(topic, page_target=page_target)
    return problems
