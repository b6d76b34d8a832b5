"""Crisis detector: does a message signal risk now, and of what kind.

Every incoming text passes :func:`assess` before any flow sees it. Three layers:

* **normalise** (:mod:`.normalise`): one plain spelling for case, stretched letters,
  digit-for-letter and symbol spellings, phone and dictation slips, the dated algospeak
  list (``data/algospeak.yaml``) and misspelled risk words;
* **rules** (:mod:`.rules`, ``data/rules.yaml``): explicit statements of risk, each silenced
  only by the scopes it names (negation, past and recovery, teaching, idiom, everyday uses,
  someone else's past death); explicit risk is never left to a model;
* **models** (:mod:`.model`): half an n-gram logistic regression (:mod:`.ngram`) plus
  half a fine-tuned MiniLM sentence model (int8 ONNX, one thread), against a threshold
  chosen on held-out data by ``python -m bot.crisis_train``.

Call :func:`load` at start-up: it loads every model file and raises
:class:`DetectorUnavailable` with a plain-words message if anything is missing or broken.
If scoring one message fails, :func:`assess` raises and the caller sends the card.
No telegram, no storage, no torch: onnxruntime, tokenizers and numpy at run time.
"""

from __future__ import annotations

from .assess import KINDS, Assessment, assess, load, score
from .features import FEATURE_VERSION, features, kind_features, message_markers
from .lexicon import TableError
from .model import (
    DETECTOR_FILE,
    MAX_TOKENS,
    MODEL_FILES,
    NGRAM_FILE,
    SENTENCE_FILE,
    TOKENIZER_FILE,
    DetectorUnavailable,
    file_hashes,
    window,
)
from .ngram import NgramModel, ngram_file_bytes, ngram_spans, parse_ngram
from .normalise import normalise, split_sentences
from .rules import Rule, RuleHit, match_rules, rules

__all__ = [
    "DETECTOR_FILE",
    "FEATURE_VERSION",
    "KINDS",
    "MAX_TOKENS",
    "MODEL_FILES",
    "NGRAM_FILE",
    "SENTENCE_FILE",
    "TOKENIZER_FILE",
    "Assessment",
    "DetectorUnavailable",
    "NgramModel",
    "Rule",
    "RuleHit",
    "TableError",
    "assess",
    "features",
    "file_hashes",
    "kind_features",
    "load",
    "match_rules",
    "message_markers",
    "ngram_file_bytes",
    "ngram_spans",
    "normalise",
    "parse_ngram",
    "rules",
    "score",
    "split_sentences",
    "window",
]
