"""Fit the ``combined`` keyword ranker (nlp/data/keyrank.json) on real news and on abstracts.

Data: the Sohu 2019 dev sample (472 news articles, up to 3 core entities each) and the CSL dev
split (1,000 abstracts, author keywords).  Features are computed for every candidate twice, once
with jieba's IDF table and once with an IDF built by ``nlp idf`` from the same texts (no labels
used), so the weights suit both.  Both data sets are cut into 5 folds (the same seed); fold k of
each is scored by a ranker fitted on the other folds of both, which gives the out-of-fold
numbers: Sohu F1@3 (the contest's per-article set F1) and CSL F1@5 (F1 of macro P and R).  They
are the honest estimates (the test halves are withheld); the weights written are fitted on all.
Sohu articles weigh ``--news-weight`` times a CSL abstract: news is what the toolkit is for.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from common import ROOT, data_argument, require
from keywords import abstracts_idf, f1_at_k, load_csl, load_sohu, norm, prepared, set_f1

from nlp.pipeline import Pipeline
from nlp.keywords.ranker import Candidates, KeyRanker, select
from nlp.settings import Settings

FOLDS = 5


def features_for(rows, pipeline, chunk: int = 64):
    """(texts, features, is-gold) of each article's candidates, computed as `nlp annotate` does (in chunks)."""
    docs = prepared(pipeline, [article for article, _ in rows])
    found = [c for at in range(0, len(docs), chunk)
             for c in pipeline.keyword_candidates_batch([d.tokens for d in docs[at:at + chunk]],
                                                        [pipeline.mentions(d) for d in docs[at:at + chunk]])]
    out = []
    for candidates, (_, gold) in zip(found, rows):
        wanted = {norm(k) for k in gold}
        out.append((candidates.texts, candidates.features, np.array([norm(t) in wanted for t in candidates.texts])))
    return out


def fit(blocks, weights, C: float = 1.0) -> KeyRanker:
    X = np.vstack([b[1] for b in blocks])
    y = np.concatenate([b[2] for b in blocks])
    w = np.concatenate([np.full(len(b[2]), weight) for b, weight in zip(blocks, weights)])
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=C, max_iter=5000).fit((X - mean) / scale, y, sample_weight=w)
    return KeyRanker(mean, scale, model.coef_.ravel(), float(model.intercept_[0]), {})


def main() -> None:
    parser = data_argument(__doc__.split("\n")[0])
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "nlp" / "data" / "keyrank.json")
    parser.add_argument("--news-weight", type=float, default=4.0)
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument("--no-write", action="store_true", help="print the out-of-fold numbers only")
    parser.add_argument("--dump", type=Path, help="also write the out-of-fold scores to this pickle file")
    args = parser.parse_args()
    sets = {"sohu": (load_sohu(require(args.data / "sohu2019_keywords" / "dev.jsonl")), 3),
            "csl": (load_csl(require(args.data / "csl_keywords" / "kg" / "dev.tsv")), 5)}
    weight = {"sohu": args.news_weight, "csl": 1.0}
    blocks: dict[tuple[str, str], list] = {}  # (data set, IDF) -> per article
    with tempfile.TemporaryDirectory() as tmp:
        for name, (rows, _) in sets.items():
            (Path(tmp) / name).mkdir()
            idf_path = abstracts_idf(rows, Path(tmp) / name)
            for idf_name, idf in (("jieba", None), ("corpus", idf_path)):
                blocks[name, idf_name] = features_for(rows, Pipeline(Settings(idf_path=idf)))
    folds = {name: list(KFold(FOLDS, shuffle=True, random_state=0).split(rows)) for name, (rows, _) in sets.items()}
    predicted = {key: [None] * len(value) for key, value in blocks.items()}
    dumped: dict = {}
    for k in range(FOLDS):
        train = [(blocks[key][i], weight[key[0]]) for key in blocks for i in folds[key[0]][k][0]]
        ranker = fit([b for b, _ in train], [w for _, w in train], C=args.C)
        for key in blocks:
            top_k = sets[key[0]][1]
            for i in folds[key[0]][k][1]:
                texts, feats, _ = blocks[key][i]
                predicted[key][i] = [t for t, _ in select(texts, ranker.score(feats), top_k, Candidates(texts, feats))]
                if args.dump:
                    dumped.setdefault(key, {})[i] = (texts, ranker.score(feats), feats)
    results: dict[str, float] = {}
    for (name, idf_name), found in predicted.items():
        rows, top_k = sets[name]
        gold = [g for _, g in rows]
        if name == "sohu":
            results[f"sohu_f1_at_3_{idf_name}"] = round(set_f1(found, gold, k=3), 4)
            results[f"sohu_f1_macro_pr_at_3_{idf_name}"] = round(f1_at_k(found, gold, k=3)[2], 4)
        else:
            results[f"csl_f1_at_5_{idf_name}"] = round(f1_at_k(found, gold, k=5)[2], 4)
    for key, value in results.items():
        print(f"out-of-fold {key}: {value:.4f}", flush=True)
    if args.dump:  # out-of-fold scores, to study selection rules without refitting
        import pickle
        args.dump.write_bytes(pickle.dumps({"scores": dumped, "gold": {n: [g for _, g in r] for n, (r, _) in sets.items()}}))
    if args.no_write:
        return
    everything = [(b, weight[key[0]]) for key in blocks for b in blocks[key]]
    ranker = fit([b for b, _ in everything], [w for _, w in everything], C=args.C)
    info = {"_doc": "Weights of the 'combined' keyword ranker; refit with benchmarks/train_keyranker.py.",
            "trained_on": (f"Sohu 2019 dev core entities (472 news articles, weight {args.news_weight:g}) and CSL kg/dev.tsv "
                           "author keywords (1,000 abstracts), features with jieba's and a corpus IDF; logistic "
                           f"regression C={args.C:g}"),
            "out_of_fold": results}
    data = {**info, **KeyRanker(ranker.mean, ranker.scale, ranker.coef, ranker.intercept, {}).to_dict()}
    args.output.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
