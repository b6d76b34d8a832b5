"""The privacy flow's views, as a person reads them."""

from __future__ import annotations

import json

from bot.content import Content
from flows.privacy.views import erase_question, export_document
from tests.snapshot import check_snapshot


def test_erase_question() -> None:
    check_snapshot("privacy/erase_question", *erase_question(Content()))


def test_export_document_is_readable_json_with_bytes_as_hex() -> None:
    data = json.loads(export_document({"notes": [{"body": b"\x01\xff", "n": 1}]}))
    assert data == {"notes": [{"body": "01ff", "n": 1}]}
