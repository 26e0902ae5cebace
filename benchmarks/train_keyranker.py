"""Fit the ``combined`` keyword ranker (nlp/data/keyrank.json) on CSL dev author keywords.

Features are computed for every candidate twice, once with jieba's IDF table and once with an
IDF built by ``nlp idf`` from the abstracts, so the weights suit both.  Reports the 5-fold
out-of-fold F1@5 (the honest estimate; the test split is withheld) and writes the weights.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from common import ROOT, data_argument, require
from keywords import abstracts_idf, f1_at_k, load_csl, norm

from nlp.pipeline import Pipeline
from nlp.keywords.ranker import KeyRanker, select
from nlp.settings import Settings


def features_for(rows, pipeline):
    out = []
    for article, gold in rows:
        found = pipeline.keyword_candidates(pipeline.prepare(article).tokens)
        wanted = {norm(k) for k in gold}
        out.append((found.texts, found.features, np.array([norm(t) in wanted for t in found.texts])))
    return out


def fit(blocks):
    X = np.vstack([b[1] for b in blocks])
    y = np.concatenate([b[2] for b in blocks])
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=1.0, max_iter=5000).fit((X - mean) / scale, y)
    return KeyRanker(mean, scale, model.coef_.ravel(), float(model.intercept_[0]), {})


def main() -> None:
    parser = data_argument(__doc__.split("\n")[0])
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "nlp" / "data" / "keyrank.json")
    args = parser.parse_args()
    path = require(args.data / "csl_keywords" / "kg" / "dev.tsv")
    rows = load_csl(path)
    gold = [g for _, g in rows]
    with tempfile.TemporaryDirectory() as tmp:
        idf_path = abstracts_idf(rows, Path(tmp))
        variants = {name: features_for(rows, Pipeline(Settings(idf_path=idf)))
                    for name, idf in (("jieba", None), ("corpus", idf_path))}
    results = {}
    for name, blocks in variants.items():
        predicted = [None] * len(rows)
        for train_idx, test_idx in KFold(5, shuffle=True, random_state=0).split(rows):
            ranker = fit([variants[v][i] for v in variants for i in train_idx])
            for i in test_idx:
                texts, feats, _ = blocks[i]
                predicted[i] = [t for t, _ in select(texts, ranker.score(feats), 5)]
        results[name] = round(f1_at_k(predicted, gold)[2], 4)
        print(f"out-of-fold F1@5 with {name} IDF: {results[name]:.4f}", flush=True)
    ranker = fit([block for blocks in variants.values() for block in blocks])
    info = {"_doc": "Weights of the 'combined' keyword ranker; refit with benchmarks/train_keyranker.py.",
            "trained_on": "CSL kg/dev.tsv author keywords (1,000 abstracts), features with jieba's and a corpus IDF",
            "out_of_fold_f1_at_5": results}
    data = {**info, **KeyRanker(ranker.mean, ranker.scale, ranker.coef, ranker.intercept, {}).to_dict()}
    args.output.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
