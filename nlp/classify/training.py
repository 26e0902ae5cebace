"""Category classifier: train, predict, evaluate, cross-validate.

A model is a plain scikit-learn ``Pipeline`` (TF-IDF word + character features -> linear SVM
with sigmoid-calibrated probabilities) plus a model card.  Persistence lives in
:mod:`nlp.classify.modelio` (skops, never pickle).
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any, Sequence

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from nlp.errors import ConfigError, DataError
from nlp.text.language import detect_language
from nlp.classify.features import lead_tokens
from nlp.classify.model import Model, fingerprints
from nlp.doc import Prediction
from nlp.classify.nbsvm import NBLinearSVC
from nlp.classify.vectorizers import make_features

log = logging.getLogger(__name__)


CLASSIFIERS = ("nbsvm", "svm")


@dataclass(frozen=True)
class TrainOptions:
    """``classifier``: ``nbsvm`` (naive-Bayes-scaled linear SVM, the default) or ``svm`` (plain LinearSVC)."""

    classifier: str = "nbsvm"
    c: float = 0.1
    nb_alpha: float = 0.5
    calibration_folds: int = 3
    min_examples: int = 5
    holdout: float = 0.1
    seed: int = 0
    min_df: int = 2
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (1, 3)
    max_tokens: int | None = None  # read only the first N tokens of each document (title + lead); None: all


def train_options(classifier: str = "nbsvm", c: float | None = None, **kwargs: Any) -> TrainOptions:
    """Options with the regularisation that suits ``classifier`` unless ``c`` is given."""
    if c is None:
        c = {"nbsvm": 0.1, "svm": 0.5}.get(classifier, 0.1)
    return TrainOptions(classifier=classifier, c=c, **kwargs)


@dataclass(frozen=True)
class Evaluation:
    labels: tuple[str, ...]
    accuracy: float
    macro_f1: float
    weighted_f1: float
    per_label: dict[str, dict[str, float]]
    confusion: tuple[tuple[int, ...], ...]
    n: int
    calibration_error: float | None = None
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "weighted_f1": self.weighted_f1,
            "n": self.n,
            "calibration_error": self.calibration_error,
            "per_label": self.per_label,
            "confusion": {t: dict(zip(self.labels, row)) for t, row in zip(self.labels, self.confusion)},
        }


def dedupe(docs: Sequence[str], labels: Sequence[str]) -> tuple[list[str], list[str], int]:
    """Drop exact duplicate documents (first one wins); returns docs, labels, number dropped."""
    keep = unique_indices(docs)
    return [docs[i] for i in keep], [labels[i] for i in keep], len(docs) - len(keep)


def unique_indices(docs: Sequence[str]) -> list[int]:
    seen: set[str] = set()
    keep = []
    for index, doc in enumerate(docs):
        if doc not in seen:
            seen.add(doc)
            keep.append(index)
    return keep


def data_hash(docs: Sequence[str], labels: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for doc, label in sorted(zip(docs, labels)):
        digest.update(f"{label}\t{doc}\n".encode("utf-8"))
    return digest.hexdigest()


def check_labels(labels: Sequence[str], min_examples: int) -> Counter[str]:
    counts = Counter(labels)
    if len(counts) < 2:
        raise DataError(f"need at least 2 labels to train a classifier, found {len(counts)}")
    rare = sorted(label for label, n in counts.items() if n < min_examples)
    if rare:
        listed = ", ".join(f"{label!r} ({counts[label]})" for label in rare)
        raise DataError(f"labels with fewer than {min_examples} examples: {listed}; add examples or remove them")
    return counts


def build_pipeline(options: TrainOptions) -> Pipeline:
    if options.classifier == "nbsvm":
        linear = NBLinearSVC(C=options.c, alpha=options.nb_alpha, random_state=options.seed)
    elif options.classifier == "svm":
        linear = LinearSVC(C=options.c, class_weight="balanced", random_state=options.seed)
    else:
        raise ConfigError(f"unknown classifier {options.classifier!r}; choose one of {', '.join(CLASSIFIERS)}")
    calibrated = CalibratedClassifierCV(linear, cv=options.calibration_folds, method="sigmoid", ensemble=False)
    features = make_features(word_ngrams=options.word_ngrams, char_ngrams=options.char_ngrams, min_df=options.min_df)
    return Pipeline([("features", features), ("classifier", calibrated)])


def fit(docs: Sequence[str], labels: Sequence[str], options: TrainOptions = TrainOptions(),
        sample_weight: Sequence[float] | None = None) -> Pipeline:
    """Fit the pipeline; ``sample_weight`` lets some documents (full articles among titles, say) count more."""
    extra = {} if sample_weight is None else {"classifier__sample_weight": np.asarray(sample_weight, dtype=float)}
    docs = [lead_tokens(d, options.max_tokens) for d in docs] if options.max_tokens else list(docs)
    pipeline = build_pipeline(options).fit(docs, list(labels), **extra)
    for calibrated in pipeline.named_steps["classifier"].calibrated_classifiers_:
        linear = calibrated.estimator  # float32 weights: half the size, same predictions to 1e-6
        linear.coef_ = linear.coef_.astype(np.float32)
        linear.intercept_ = linear.intercept_.astype(np.float32)
    return pipeline


def train(docs: Sequence[str], labels: Sequence[str], options: TrainOptions = TrainOptions(),
          *, dev: tuple[Sequence[str], Sequence[str]] | None = None,
          sample_weight: Sequence[float] | None = None) -> Model:
    """Deduplicate, check labels, measure on ``dev`` (or a stratified hold-out), then fit on all data."""
    keep = unique_indices(docs)
    dropped = len(docs) - len(keep)
    docs, labels = [docs[i] for i in keep], [labels[i] for i in keep]
    weights = None if sample_weight is None else [sample_weight[i] for i in keep]
    counts = check_labels(labels, options.min_examples)
    if dev is not None:
        pipeline = fit(docs, labels, options, weights)
        evaluation, measured_on = evaluate(Model(pipeline, {"max_tokens": options.max_tokens}), *dev), "dev"
    elif options.holdout > 0:
        train_docs, test_docs, train_labels, test_labels = train_test_split(
            docs, labels, test_size=options.holdout, stratify=labels, random_state=options.seed)
        evaluation = evaluate(Model(fit(train_docs, train_labels, options), {"max_tokens": options.max_tokens}), test_docs, test_labels)
        measured_on = f"stratified hold-out of {options.holdout:.0%}"
        pipeline = fit(docs, labels, options, weights)
    else:
        pipeline, evaluation, measured_on = fit(docs, labels, options, weights), None, None
    card = {
        "labels": [str(c) for c in pipeline.classes_],
        "n_train": len(docs),
        "duplicates_removed": dropped,
        "label_counts": dict(sorted(counts.items())),
        "languages": dict(Counter(map(detect_language, docs)).most_common()),
        "imbalance_ratio": round(max(counts.values()) / min(counts.values()), 3),
        "class_weighting": "balanced (each class counts equally)",
        "data_sha256": data_hash(docs, labels),
        "train_options": {k: list(v) if isinstance(v, tuple) else v for k, v in vars(options).items()},
        "max_tokens": options.max_tokens,
        "metrics": evaluation.to_dict() if evaluation else None,
        "metrics_measured_on": measured_on,
    }
    return Model(pipeline, card, fingerprints(docs))


def evaluate(model: Model, docs: Sequence[str], labels: Sequence[str]) -> Evaluation:
    """Accuracy, macro/weighted F1, per-label P/R/F1, confusion matrix and calibration error."""
    if not docs:
        raise DataError("nothing to evaluate: no labelled documents")
    result = score(model.predict(docs, top_n=len(model.labels)), labels, known=model.labels)
    overlap = model.overlap(docs)
    if overlap:
        note = f"{overlap} of {len(set(docs))} distinct evaluation texts were in the model's training data"
        result = replace(result, warnings=result.warnings + (note,))
    return result


def score(predictions: Sequence[Prediction], labels: Sequence[str], *, known: Sequence[str] = ()) -> Evaluation:
    """Metrics of ``predictions`` against the true ``labels``; warns about labels not in ``known``."""
    predicted = [p.top[0][0] for p in predictions]
    labels = [str(label) for label in labels]
    names = tuple(sorted(set(labels) | set(predicted)))
    precision, recall, f1, support = precision_recall_fscore_support(labels, predicted, labels=list(names), zero_division=0)
    per_label = {
        name: {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4), "support": int(s)}
        for name, p, r, f, s in zip(names, precision, recall, f1, support)
    }
    present = [n for n in names if per_label[n]["support"] > 0]
    macro = float(np.mean([per_label[n]["f1"] for n in present]))
    weighted = float(sum(per_label[n]["f1"] * per_label[n]["support"] for n in present) / len(labels))
    unknown = sorted(set(labels) - set(known)) if known else []
    warnings = (f"labels the model does not know: {', '.join(unknown)}",) if unknown else ()
    return Evaluation(
        labels=names,
        accuracy=round(float(accuracy_score(labels, predicted)), 4),
        macro_f1=round(macro, 4),
        weighted_f1=round(weighted, 4),
        per_label=per_label,
        confusion=tuple(tuple(int(v) for v in row) for row in confusion_matrix(labels, predicted, labels=list(names))),
        n=len(labels),
        calibration_error=expected_calibration_error(predictions, labels),
        warnings=warnings,
    )


def expected_calibration_error(predictions: Sequence[Prediction], labels: Sequence[str], bins: int = 10) -> float:
    """Mean |confidence - accuracy| of the top label over ``bins`` equal-width confidence bins, weighted by size."""
    confidence = np.array([p.top[0][1] for p in predictions])
    correct = np.array([p.top[0][0] == label for p, label in zip(predictions, labels)], dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            error += mask.mean() * abs(confidence[mask].mean() - correct[mask].mean())
    return round(float(error), 4)


def fit_power(predictions: Sequence[Prediction], labels: Sequence[str], weights: Sequence[float] | None = None,
              grid: Sequence[float] = tuple(np.round(np.arange(0.5, 4.01, 0.05), 2))) -> float:
    """The power of :func:`nlp.classify.model.sharpen` that minimises the (weighted) log loss of held-out
    ``predictions`` (each with the probabilities of every label in ``top``); ties go to the smaller power."""
    if not predictions:
        raise DataError("no held-out predictions to fit a probability power on")
    names = sorted({label for p in predictions for label, _ in p.top})
    index = {name: i for i, name in enumerate(names)}
    matrix = np.zeros((len(predictions), len(names)))
    for row, p in enumerate(predictions):
        for label, value in p.top:
            matrix[row, index[label]] = value
    truth = np.array([index.get(str(label), -1) for label in labels])
    known = truth >= 0
    w = np.ones(len(predictions)) if weights is None else np.asarray(weights, dtype=float)
    logs = np.log(np.clip(matrix[known], 1e-12, None))
    w, truth = w[known], truth[known]
    best, best_loss = 1.0, np.inf
    for power in grid:
        scaled = power * logs
        scaled -= scaled.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(scaled).sum(axis=1))
        loss = float(np.sum(w * (log_norm - scaled[np.arange(len(truth)), truth])) / w.sum())
        if loss < best_loss - 1e-12:
            best, best_loss = float(power), loss
    return best


def cross_validate(docs: Sequence[str], labels: Sequence[str], folds: int,
                   options: TrainOptions = TrainOptions()) -> Evaluation:
    """Stratified k-fold over deduplicated data; metrics over the pooled out-of-fold predictions."""
    docs, labels, _ = dedupe(docs, labels)
    check_labels(labels, max(options.min_examples, folds))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=options.seed)
    pooled_labels: list[str] = []
    pooled_predictions: list[Prediction] = []
    for train_index, test_index in splitter.split(docs, labels):
        model = Model(fit([docs[i] for i in train_index], [labels[i] for i in train_index], options),
                      {"max_tokens": options.max_tokens})
        test_docs = [docs[i] for i in test_index]
        pooled_labels += [labels[i] for i in test_index]
        pooled_predictions += model.predict(test_docs, top_n=len(model.labels))
    return score(pooled_predictions, pooled_labels)
