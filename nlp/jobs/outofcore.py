"""`nlp train --out-of-core`: training that streams the data in chunks, so memory stays bounded
however large the training set.

Features are hashed (``HashingVectorizer``: no vocabulary to hold) word 1-2-grams and character
1-3-grams of the lead, like the in-memory model's; the classifier is a linear model trained by
stochastic gradient descent with ``partial_fit``, one chunk at a time, for a few passes over the
data.  Every ``holdout``-th distinct example is kept out of training to measure the model.
Memory: one chunk of documents, the weights (labels x 2^20 floats) and 8 bytes per distinct
example for exact-duplicate detection.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn import pipeline as sklearn_pipeline
from sklearn.pipeline import FeatureUnion

from nlp.pipeline import Pipeline
from nlp.classify.training import Model, check_labels, score
from nlp.io.labelled import LabelOptions, iter_examples
from nlp.jobs.runner import chunked
from nlp.settings import Settings
from nlp.jobs.train import provenance
from nlp.classify.features import lead_characters, split_tokens
from nlp.text.language import detect_language

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StreamOptions:
    chunk_size: int = 5000
    epochs: int = 3
    holdout: int = 20  # every 20th distinct example measures the model
    n_features: int = 2 ** 20
    alpha: float = 2e-6
    seed: int = 0


def hashed_features(n_features: int) -> FeatureUnion:
    common = dict(n_features=n_features, alternate_sign=False, norm="l2", dtype=np.float32)
    return FeatureUnion([
        ("words", HashingVectorizer(tokenizer=split_tokens, token_pattern=None, lowercase=False, ngram_range=(1, 2), **common)),
        ("chars", HashingVectorizer(analyzer="char", preprocessor=lead_characters, ngram_range=(1, 3), **common)),
    ])


def _stream(inputs: list, labels: LabelOptions, stages: Pipeline) -> Iterator[tuple[str, str]]:
    for example in iter_examples(inputs, labels):
        yield stages.document(example.article), example.label


def _key(doc: str) -> int:
    return int.from_bytes(hashlib.blake2b(doc.encode("utf-8"), digest_size=8).digest(), "little")


def train_streaming(inputs: Iterable[str | Path], *, settings: Settings = Settings(), labels: LabelOptions = LabelOptions(),
                    options: StreamOptions = StreamOptions()) -> Model:
    inputs = list(inputs)
    stages = Pipeline(settings)
    counts: Counter[str] = Counter()
    languages: Counter[str] = Counter()  # for the card: a model knows only the languages it saw
    for doc, label in _stream(inputs, labels, stages):
        counts[label] += 1
        languages[detect_language(doc)] += 1
    check_labels(list(counts.elements()), 5)
    classes = np.array(sorted(counts))
    features = hashed_features(options.n_features)
    classifier = SGDClassifier(loss="log_loss", alpha=options.alpha, random_state=options.seed, average=True)
    held_docs: list[str] = []
    held_labels: list[str] = []
    for epoch in range(options.epochs):
        seen: set[int] = set()
        n_train = duplicates = 0
        for chunk in chunked(_stream(inputs, labels, stages), options.chunk_size):
            docs, names = [], []
            for doc, label in chunk:
                key = _key(doc)
                if key in seen:
                    duplicates += 1
                    continue
                seen.add(key)
                if len(seen) % options.holdout == 0:
                    if epoch == 0:
                        held_docs.append(doc)
                        held_labels.append(label)
                    continue
                docs.append(doc)
                names.append(label)
            if docs:
                classifier.partial_fit(features.transform(docs), names, classes=classes)
                n_train += len(docs)
        log.info("epoch %d: %d examples", epoch + 1, n_train)
    pipeline = sklearn_pipeline.Pipeline([("features", features), ("classifier", classifier)])
    model = Model(pipeline)
    evaluation = score(model.predict(held_docs, top_n=len(classes)), held_labels, known=tuple(classes)) if held_docs else None
    model.card = {
        "labels": [str(c) for c in classes],
        "n_train": n_train,
        "duplicates_removed": duplicates,
        "label_counts": dict(sorted(counts.items())),
        "languages": dict(languages.most_common()),
        "imbalance_ratio": round(max(counts.values()) / min(counts.values()), 3),
        "train_options": {"out_of_core": True, **vars(options)},
        "metrics": evaluation.to_dict() if evaluation else None,
        "metrics_measured_on": f"every {options.holdout}th distinct example, held out" if evaluation else None,
        **provenance(inputs, settings),
    }
    return model
