"""Why a model files an article under one label rather than another: the n-grams with the largest
contributions to the difference of two labels' decision scores (issue 17's diagnosis of software
releases filed as 游戏).

Usage: python benchmarks/explain_category.py ../shared/data/seedfmt_sample --match 开源中国 --labels 游戏 科技

A feature's contribution is its TF-IDF value in the article times the difference of the two labels'
weights in the exported predictor (``predictor.npz``, what ``nlp annotate`` predicts with); the
contributions and the intercepts add up to the difference of the two decision scores.
"""

from __future__ import annotations

import argparse

from common import ROOT, default_pipeline

from nlp.classify import modelio
from nlp.io.readers import read_articles


def contributions(predictor, doc: str, first: int, second: int) -> list[tuple[float, str, str]]:
    """(contribution to first minus second, block kind, term) of every feature of ``doc``, largest first."""
    found, offset = [], 0
    for block in predictor.blocks:
        row = block.transform([doc])  # one CSR row (nlp.classify.predictor.Rows)
        columns = offset + row.columns
        values = row.data * (predictor.coef[first, columns] - predictor.coef[second, columns])
        found += [(float(v), block.kind, block.terms[j]) for v, j in zip(values, row.columns)]
        offset += block.n_terms
    return sorted(found, key=lambda item: (-item[0], item[1], item[2]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("inputs", nargs="+")
    parser.add_argument("--model", default=ROOT / "models" / "default")
    parser.add_argument("--labels", nargs=2, default=["游戏", "科技"], metavar=("FIRST", "SECOND"))
    parser.add_argument("--match", default="", help="only inputs whose id contains this")
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    predictor = modelio.load(args.model, fast=True).pipeline
    labels = [str(c) for c in predictor.classes_]
    first, second = (labels.index(name) for name in args.labels)
    pipeline = default_pipeline()
    for article in read_articles(args.inputs):
        if args.match not in str(article.id):
            continue
        doc = pipeline.document(article)
        found = contributions(predictor, doc, first, second)
        total = sum(v for v, _, _ in found) + float(predictor.intercept[first] - predictor.intercept[second])
        print(f"{article.title or '(no title)'}: {len(doc.split())} tokens, {args.labels[0]} - {args.labels[1]} = {total:+.3f}")
        shown = lambda items: ", ".join(f"{term} ({kind[0]}) {v:+.3f}" for v, kind, term in items)  # noqa: E731
        print(f"  towards {args.labels[0]}: {shown(found[:args.top])}")
        print(f"  towards {args.labels[1]}: {shown(found[::-1][:args.top])}")


if __name__ == "__main__":
    main()
