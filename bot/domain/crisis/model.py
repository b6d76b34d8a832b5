"""The two learned scorers and the files they load from ``models/``.

* the n-gram model (:mod:`.ngram`): logistic regression over :mod:`.features`, scored on
  the whole message and on its sentences (the highest counts), plus a kind classifier;
* the sentence model: MiniLM fine-tuned on the labelled lines, int8 ONNX, run with
  onnxruntime on one thread, reading one window of at most :data:`MAX_TOKENS` tokens.

``detector.json`` ties them together: the threshold, the weight of each score, and a SHA-256
of every file, so a truncated or swapped file is refused at start-up rather than scoring
nonsense. Every failure to load raises :class:`DetectorUnavailable` in plain words.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from .lexicon import DetectorUnavailable
from .ngram import NgramModel, parse_ngram, sigmoid

__all__ = [
    "DETECTOR_FILE",
    "MAX_TOKENS",
    "MODEL_FILES",
    "DetectorUnavailable",
    "Models",
    "SentenceModel",
    "file_hashes",
    "files_signature",
    "load_models",
    "window",
]

DETECTOR_FILE = "detector.json"
NGRAM_FILE = "ngram.json.gz"
SENTENCE_FILE = "sentence.int8.onnx"
TOKENIZER_FILE = "tokenizer.json"
MODEL_FILES = (NGRAM_FILE, SENTENCE_FILE, TOKENIZER_FILE)

#: Tokens of one message the sentence model reads (a window; see :func:`window`).
MAX_TOKENS = 64
# Characters of a message the sentence model reads: about MAX_TOKENS tokens of English, so a
# longer message is read around its riskiest sentence rather than cut after its opening.
_WINDOW_CHARS = 280
# The window around that sentence in a longer message: about 36 tokens, so a message at
# Telegram's 4,096-character limit costs the model little more than a chat line (its time
# grows with the tokens: 2.4 ms at 40, 4.2 ms at 64). Measured on every labelled and blind
# line: 200 and 160 characters flag exactly what 280 did, bar one line more caught and one
# false flag fewer; 140 and 120 began to miss.
_LONG_WINDOW_CHARS = 160


class SentenceModel:
    """The fine-tuned MiniLM, int8 ONNX, on one onnxruntime thread."""

    def __init__(self, model: bytes | str, tokenizer: bytes, max_tokens: int = MAX_TOKENS) -> None:
        """``model``: the ONNX file's bytes, or its path (onnxruntime then reads the file
        itself, and the process never holds a second copy of it: about 17 MB less)."""
        import numpy as np
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.log_severity_level = 3
        self._np = np
        self._session = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
        self._tok = Tokenizer.from_str(tokenizer.decode("utf-8"))
        self._tok.no_padding()
        self._tok.enable_truncation(max_tokens)
        self._lock = threading.Lock()
        self.max_tokens = max_tokens

    def tokens(self, text: str) -> int:
        """How many tokens ``text`` makes, up to the cap."""
        return len(self._tok.encode(text[: _WINDOW_CHARS * 2]).ids)

    def score(self, text: str) -> float:
        """The probability that ``text`` (normalised; first window only) signals risk."""
        enc = self._tok.encode(text[: _WINDOW_CHARS * 2])
        ids = self._np.asarray([enc.ids], dtype=self._np.int64)
        mask = self._np.ones_like(ids)
        with self._lock:  # one thread: the session is set up for exactly one
            (logit,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask})
        return sigmoid(float(logit.reshape(-1)[0]))


def window(norm: str, focus: str) -> str:
    """The text the sentence model reads: the message if short, else around ``focus``.

    A message longer than about :data:`MAX_TOKENS` tokens is cut to the sentence the n-gram
    model found riskiest (``focus``) with a little of the text around it
    (:data:`_LONG_WINDOW_CHARS` in all), so risk buried after a cheerful opening is what the
    sentence model reads.
    """
    if len(norm) <= _WINDOW_CHARS:
        return norm
    size = _LONG_WINDOW_CHARS
    at = norm.find(focus) if focus else -1
    if at < 0 or len(focus) >= size:
        return (focus or norm)[:size]
    spare = size - len(focus)
    start = max(0, at - spare // 3)
    return norm[start : start + size]


@dataclass(frozen=True, slots=True)
class Models:
    """Everything :func:`assess` needs, loaded and checked."""

    ngram: NgramModel
    sentence: SentenceModel
    threshold: float
    ngram_weight: float
    sentence_weight: float
    meta: Mapping[str, Any]


def _folder() -> Any:
    """The folder the model files are read from (a path, or a resource in a zip)."""
    return resources.files(__package__).joinpath("models")


def _read(name: str) -> bytes:
    try:
        data: bytes = _folder().joinpath(name).read_bytes()
        return data
    except (FileNotFoundError, OSError) as exc:
        raise DetectorUnavailable(
            f"The crisis detector's model file {name} is missing ({exc}). Reinstall the"
            " package, or retrain with python -m bot.crisis_train."
        ) from exc


def _path(name: str) -> str | None:
    """The model file's path on disk, or None when the package is not plain files."""
    path = _folder().joinpath(name)
    return os.fspath(path) if isinstance(path, os.PathLike) else None


def _sha256(name: str) -> str:
    """The file's SHA-256, read in pieces where it is on disk (the ONNX file is 17 MB)."""
    path = _path(name)
    if path is None:
        return hashlib.sha256(_read(name)).hexdigest()
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError as exc:
        raise DetectorUnavailable(
            f"The crisis detector's model file {name} is missing ({exc}). Reinstall the"
            " package, or retrain with python -m bot.crisis_train."
        ) from exc


def files_signature() -> tuple[tuple[str, int, int], ...] | None:
    """The size and modification time of each model file, or None where a file can't be
    stat'ed (missing, or inside a zip): the same signature means the same files, so a
    process that starts the bot again (the test suite does, over a thousand times) can keep
    what it loaded and checked before."""
    folder = _folder()
    out = []
    for name in (DETECTOR_FILE, *MODEL_FILES):
        path = folder.joinpath(name)
        if not isinstance(path, os.PathLike):
            return None
        try:
            info = os.stat(path)
        except OSError:
            return None
        out.append((name, info.st_size, info.st_mtime_ns))
    return tuple(out)


def load_models(ngram_raw: Mapping[str, Any] | None = None) -> Models:
    """Read, check and load every model file; raise :class:`DetectorUnavailable` if any fails.

    ``ngram_raw`` replaces the shipped n-gram model (the training tool uses it).
    """
    try:
        meta = json.loads(_read(DETECTOR_FILE))
    except ValueError as exc:
        raise DetectorUnavailable(
            f"The crisis detector's {DETECTOR_FILE} is damaged: {exc}"
        ) from exc
    files: dict[str, bytes] = {}
    for name in MODEL_FILES:
        want = meta.get("sha256", {}).get(name)
        if want != _sha256(name):
            raise DetectorUnavailable(
                f"The crisis detector's model file {name} does not match {DETECTOR_FILE}"
                " (damaged, truncated or from another training run). Reinstall the package,"
                " or retrain with python -m bot.crisis_train."
            )
        if name != SENTENCE_FILE:
            files[name] = _read(name)
    try:
        raw = ngram_raw if ngram_raw is not None else json.loads(gzip.decompress(files[NGRAM_FILE]))
        ngram = parse_ngram(raw)
    except (ValueError, KeyError, TypeError, OSError) as exc:
        raise DetectorUnavailable(
            f"The crisis detector's n-gram model will not load: {exc}"
        ) from exc
    try:
        sentence = SentenceModel(
            _path(SENTENCE_FILE) or _read(SENTENCE_FILE), files[TOKENIZER_FILE]
        )
    except ImportError as exc:
        raise DetectorUnavailable(
            f"The crisis detector needs onnxruntime, tokenizers and numpy ({exc}):"
            " pip install -e . installs them."
        ) from exc
    except Exception as exc:  # onnxruntime raises its own exception types
        raise DetectorUnavailable(
            f"The crisis detector's sentence model will not load: {exc}"
        ) from exc
    try:
        threshold = float(meta["threshold"])
        wn, ws = float(meta["ngram_weight"]), float(meta["sentence_weight"])
    except (KeyError, TypeError, ValueError) as exc:
        raise DetectorUnavailable(
            f"The crisis detector's {DETECTOR_FILE} is incomplete: {exc}"
        ) from exc
    if not (0.0 < threshold < 1.0 and wn >= 0 and ws >= 0 and abs(wn + ws - 1.0) < 1e-6):
        raise DetectorUnavailable(f"The crisis detector's {DETECTOR_FILE} has impossible values")
    # one real message through both models, so a broken file fails now, not on a person
    try:
        sentence.score("i am fine thank you")
        ngram.score("i am fine thank you")
    except Exception as exc:
        raise DetectorUnavailable(f"The crisis detector failed its self-check: {exc}") from exc
    return Models(ngram, sentence, threshold, wn, ws, meta)


def file_hashes(folder: Any, names: Sequence[str] = MODEL_FILES) -> dict[str, str]:
    """SHA-256 of each model file in ``folder`` (a path), for ``detector.json``."""
    return {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in names}
