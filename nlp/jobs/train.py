"""Labelled data -> features -> model, evaluation and cross-validation (what `nlp train` and
`nlp evaluate` call).  Segmentation goes through the same Pipeline stages as annotation, so a
model sees at training time exactly what it will see when tagging."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterable, Sequence

from nlp.pipeline import Pipeline
from nlp.classify.training import Evaluation, Model, TrainOptions, cross_validate, evaluate, train
from nlp.io.labelled import Example, LabelOptions, read_examples
from nlp.settings import Settings

log = logging.getLogger(__name__)


def featurize(examples: Sequence[Example], pipeline: Pipeline) -> tuple[list[str], list[str]]:
    return [pipeline.document(e.article) for e in examples], [e.label for e in examples]


def provenance(inputs: Iterable[str | Path], settings: Settings) -> dict:
    """The card fields that say what a model was trained from: the inputs' names and the segmentation."""
    return {"segmentation": {"engine": settings.engine, "user_dicts": [Path(p).name for p in settings.user_dicts]},
            "training_inputs": [Path(p).name for p in inputs]}


def train_from_paths(
    inputs: Iterable[str | Path],
    *,
    settings: Settings = Settings(),
    labels: LabelOptions = LabelOptions(),
    options: TrainOptions = TrainOptions(),
    dev_inputs: Iterable[str | Path] = (),
    near_duplicates: bool = False,
) -> Model:
    pipeline = Pipeline(settings)
    docs, names = featurize(read_examples(inputs, labels), pipeline)
    removed = 0
    if near_duplicates:
        from nlp.jobs.dedup import drop_near_duplicates

        docs, names, removed = drop_near_duplicates(docs, names)
    dev = featurize(read_examples(dev_inputs, labels), pipeline) if dev_inputs else None
    log.info("training on %d examples", len(docs))
    model = train(docs, names, options, dev=dev)
    model.card.update(provenance(inputs, settings))
    if near_duplicates:
        model.card["near_duplicates_removed"] = removed
    return model


def evaluate_paths(inputs: Iterable[str | Path], model: Model, *, settings: Settings = Settings(),
                   labels: LabelOptions = LabelOptions()) -> Evaluation:
    docs, names = featurize(read_examples(inputs, labels), Pipeline(settings))
    return evaluate(model, docs, names)


def cross_validate_paths(inputs: Iterable[str | Path], folds: int, *, settings: Settings = Settings(),
                         labels: LabelOptions = LabelOptions(), options: TrainOptions = TrainOptions()) -> Evaluation:
    docs, names = featurize(read_examples(inputs, labels), Pipeline(settings))
    return cross_validate(docs, names, folds, options)
