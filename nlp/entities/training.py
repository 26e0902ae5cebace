"""Train an entity recognizer with CRFsuite (L-BFGS, elastic net) and score one: exact span and type."""

from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from nlp.errors import DataError
from nlp import native
from nlp.entities.data import Example
from nlp.entities.entity import KNOWN_TYPES, Entity
from nlp.entities.lexicon import Lexicon
from nlp.entities.model import FORBIDDEN, EntityRecognizer, allowed_transitions, extra_features, hash_table

_core = native.load("nlp.entities._core")  # the compiled core; BuildError if missing or stale


@dataclass(frozen=True)
class TrainOptions:
    """CRFsuite's L1 (``c1``) and L2 (``c2``) penalties and iteration cap; chosen on the CLUENER hold-out."""

    c1: float = 0.05
    c2: float = 0.01
    max_iterations: int = 100


def encode_labels(example: Example, type_index: dict[str, int]) -> list[int]:
    """BIOES label ids per character; of overlapping entities the longer (then the earlier) is labelled."""
    labels = [0] * len(example.text)
    for entity in sorted(example.entities, key=lambda e: (e.start - e.end, e.start)):
        if any(labels[entity.start:entity.end]):
            continue
        base = 1 + 4 * type_index[entity.type]
        if entity.end - entity.start == 1:
            labels[entity.start] = base + 3
            continue
        labels[entity.start] = base
        labels[entity.start + 1:entity.end - 1] = [base + 1] * (entity.end - entity.start - 2)
        labels[entity.end - 1] = base + 2
    return labels


def features(text: str, extras: Any = None, tokens: Sequence[tuple[str, str]] | None = None) -> np.ndarray:
    """The compiled core's feature hashes of ``text``, one row per character (0: a feature that is off);
    ``extras`` is a model's :func:`extra_features`, ``tokens`` the segmentation of ``text`` that
    extras with word features read."""
    out = np.zeros((len(text), _core.N_FEATURES if extras is None else extras.n_templates), np.uint64)
    _core.fill_features(text, out, extras, tokens)
    return out


def train(examples: Sequence[Example], *, options: TrainOptions = TrainOptions(),
          card: dict[str, Any] | None = None, lexicon: Lexicon | None = None,
          clusters: np.ndarray | None = None, segmentation: str | None = None) -> EntityRecognizer:
    """Fit a recognizer on ``examples``; its types are the known types they use, in :data:`KNOWN_TYPES` order.
    With ``lexicon`` (:mod:`nlp.entities.lexicon`) and/or ``clusters`` (:mod:`nlp.entities.clusters`)
    the model also reads those features and keeps them in its file; with ``segmentation`` (an
    engine of :class:`nlp.text.segment.Segmenter`) it reads each sentence's words and parts of
    speech as that segmenter, with the bundled dictionary, tags them."""
    import pycrfsuite

    used = {entity.type for example in examples for entity in example.entities}
    types = tuple(t for t in KNOWN_TYPES if t in used)
    if not types:
        raise DataError("no entities in the training data: nothing to learn")
    type_index = {t: i for i, t in enumerate(types)}
    trainer = pycrfsuite.Trainer(verbose=False)
    trainer.set_params({"c1": options.c1, "c2": options.c2, "max_iterations": options.max_iterations})
    extras = extra_features(lexicon, clusters, segmentation)
    segmenter = EntityRecognizer.segmenter_for(segmentation)
    for example in examples:
        if example.text:
            tokens = segmenter.tag(example.text) if segmenter else None
            rows = [[format(h, "x") for h in row if h] for row in features(example.text, extras, tokens).tolist()]
            trainer.append(rows, [str(label) for label in encode_labels(example, type_index)])
    with tempfile.TemporaryDirectory(prefix="nlp-crf-") as folder:
        path = str(Path(folder) / "model.crfsuite")
        trainer.train(path)
        tagger = pycrfsuite.Tagger()
        tagger.open(path)
        info = tagger.info()
        tagger.close()
    return _export(types, info.state_features, info.transitions, {
        "n_train_sentences": len(examples), "train_options": asdict(options), **(card or {})}, lexicon, clusters,
        segmentation)


def _export(types: tuple[str, ...], state: dict, transitions: dict, card: dict[str, Any],
            lexicon: Lexicon | None = None, clusters: np.ndarray | None = None,
            segmentation: str | None = None) -> EntityRecognizer:
    """CRFsuite's weights as the core's arrays; BIOES-invalid and never-seen labels are forbidden."""
    n_labels = 1 + 4 * len(types)
    by_key: dict[int, list[tuple[int, float]]] = {}
    for (attr, label), weight in state.items():
        if weight:
            by_key.setdefault(int(attr, 16), []).append((int(label), weight))
    keys = sorted(by_key)
    entries = [sorted(by_key[key]) for key in keys]
    offsets = np.zeros(len(keys) + 1, np.int32)
    offsets[1:] = np.cumsum([len(row) for row in entries])
    labels = np.array([label for row in entries for label, _ in row], np.uint8)
    values = np.array([weight for row in entries for _, weight in row], np.float32)
    trans = np.zeros((n_labels, n_labels), np.float32)
    seen = np.zeros(n_labels, bool)
    for (a, b), weight in transitions.items():
        trans[int(a), int(b)] = weight
        seen[[int(a), int(b)]] = True
    allowed, start_ok, end_ok = allowed_transitions(len(types))
    allowed &= seen[:, None] & seen[None, :]
    trans[~allowed] = FORBIDDEN
    start = np.where(start_ok & seen, 0, FORBIDDEN).astype(np.float32)
    end = np.where(end_ok & seen, 0, FORBIDDEN).astype(np.float32)
    slots, rows = hash_table(np.array(keys, np.uint64))
    return EntityRecognizer(types=types, slots=slots, rows=rows, offsets=offsets, labels=labels, values=values,
                            transitions=trans, start=start, end=end, lexicon=lexicon, clusters=clusters,
                            segmentation=segmentation, card=card)


@dataclass(frozen=True)
class TypeScore:
    type: str
    gold: int
    predicted: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        total = self.gold + self.predicted
        return 2 * self.correct / total if total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4), "gold": self.gold, "predicted": self.predicted, "correct": self.correct}


@dataclass(frozen=True)
class Evaluation:
    """Exact span-and-type scores: one row per type (sorted by name) and their micro average."""

    per_type: tuple[TypeScore, ...]
    micro: TypeScore
    sentences: int

    def to_dict(self) -> dict[str, Any]:
        return {"sentences": self.sentences, "micro": self.micro.to_dict(),
                "per_type": [score.to_dict() for score in self.per_type]}


def score(gold: Iterable[Iterable[Entity]], predicted: Iterable[Iterable[Entity]]) -> Evaluation:
    """Scores of ``predicted`` against ``gold``, sentence by sentence."""
    counts: dict[str, list[int]] = {}
    sentences = 0
    for gold_spans, predicted_spans in zip(gold, predicted, strict=True):
        sentences += 1
        truth = {(e.start, e.end, e.type) for e in gold_spans}
        guess = {(e.start, e.end, e.type) for e in predicted_spans}
        for key, bucket in ((truth, 0), (guess, 1), (truth & guess, 2)):
            for _, _, kind in key:
                counts.setdefault(kind, [0, 0, 0])[bucket] += 1
    per_type = tuple(TypeScore(kind, *counts[kind]) for kind in sorted(counts))
    micro = TypeScore("micro", *(sum(s[i] for s in counts.values()) for i in range(3)))
    return Evaluation(per_type, micro, sentences)


def evaluate(recognizer: EntityRecognizer, examples: Sequence[Example], *, coarse: bool = False) -> Evaluation:
    """Score ``recognizer`` on ``examples``; with ``coarse``, both sides are mapped to PER/LOC/ORG first."""
    from nlp.entities.entity import coarsen

    predicted = recognizer.predict_batch(example.text for example in examples)
    gold = [list(example.entities) for example in examples]
    if coarse:
        gold, predicted = [coarsen(g) for g in gold], [coarsen(p) for p in predicted]
    return score(gold, predicted)


def format_evaluation(result: Evaluation) -> str:
    """A per-type precision/recall/F1 table, micro average last."""
    lines = [f"{'type':<14}{'precision':>10}{'recall':>10}{'f1':>10}{'gold':>8}{'predicted':>11}"]
    for row in (*result.per_type, result.micro):
        lines.append(f"{row.type:<14}{row.precision:>10.4f}{row.recall:>10.4f}{row.f1:>10.4f}{row.gold:>8}{row.predicted:>11}")
    lines.append(f"{result.sentences} sentences")
    return "\n".join(lines)
