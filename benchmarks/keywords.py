"""Keyword benchmark on CSL (Chinese scientific abstracts with author keywords).

F1@5: exact match after NFKC and lowercasing; precision and recall are averaged over documents
(macro), F1 is their harmonic mean.  Compares every method of the toolkit, with jieba's IDF and
with an IDF built by ``nlp idf`` from the abstracts themselves, against jieba.analyse's
``extract_tags`` and ``textrank`` defaults.  Writes the table into README.md and docs/benchmarks.md.
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
import time
import unicodedata
from pathlib import Path

from common import data_argument, machine, require
from docs import publish

from nlp.pipeline import Pipeline
from nlp.doc import Article
from nlp.jobs.idf import build_idf
from nlp.jobs.newwords import discover_from_paths, write_user_dict
from nlp.settings import METHODS, Settings

_TITLE_SPLIT = re.compile(r"^(.*[.。．!?！？])\s+([^\s].*)$", re.S)


def load_csl(path: Path) -> list[tuple[Article, list[str]]]:
    """(article, gold keywords); the abstract's last sentence after the final stop is its title."""
    rows = []
    for number, line in enumerate(path.read_text("utf-8").split("\n"), start=1):
        parts = line.split("\t")
        if len(parts) != 3:
            continue
        text, gold = parts[1], [k for k in parts[2].split("_") if k]
        match = _TITLE_SPLIT.match(text)
        body, title = (match.group(1), match.group(2)) if match else (text, "")
        rows.append((Article(id=str(number), source=f"{path}:{number}", title=title, body=body, is_html=False), gold))
    return rows


def abstracts_idf(rows, folder: Path) -> Path:
    """An IDF file built the way a user would (``nlp idf`` over the abstracts as JSON Lines)."""
    corpus = folder / "abstracts.jsonl"
    corpus.write_text("".join(json.dumps({"id": a.id, "title": a.title, "text": a.body}, ensure_ascii=False) + "\n"
                              for a, _ in rows), "utf-8")
    idf_path = folder / "idf.txt"
    build_idf([corpus])[0].save(idf_path)
    return idf_path


def norm(word: str) -> str:
    return unicodedata.normalize("NFKC", word).lower().strip()


def f1_at_k(predicted: list[list[str]], gold: list[list[str]], k: int = 5) -> tuple[float, float, float]:
    precisions, recalls = [], []
    for pred, truth in zip(predicted, gold):
        pred_set = [norm(w) for w in pred[:k]]
        truth_set = {norm(w) for w in truth}
        hits = len(set(pred_set) & truth_set)
        precisions.append(hits / len(pred_set) if pred_set else 0.0)
        recalls.append(hits / len(truth_set) if truth_set else 0.0)
    p = sum(precisions) / len(precisions)
    r = sum(recalls) / len(recalls)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def ours(rows, settings: Settings, *, chunk: int = 64) -> tuple[list[list[str]], float, float]:
    """Keywords as `nlp annotate` computes them (chunks of 64 articles), with the time spent cleaning
    and segmenting and the time spent on keywords."""
    pipeline = Pipeline(settings)
    pipeline.idf  # load before timing
    t0 = time.perf_counter()
    docs = [pipeline.prepare(article).tokens for article, _ in rows]
    t1 = time.perf_counter()
    results = [[k.word for k in found] for i in range(0, len(docs), chunk)
               for found in pipeline.keywords_batch(docs[i:i + chunk])]
    return results, t1 - t0, time.perf_counter() - t1


def jieba_baseline(rows, method: str, idf_path: Path | None = None) -> list[list[str]]:
    import jieba
    import jieba.analyse

    jieba.setLogLevel(logging.WARNING)
    extractor = jieba.analyse.TFIDF(idf_path=str(idf_path)) if idf_path else jieba.analyse.TFIDF()
    ranker = jieba.analyse.TextRank()
    out = []
    for article, _ in rows:
        text = article.body + " " + article.title
        out.append(extractor.extract_tags(text, topK=5) if method == "extract_tags" else ranker.textrank(text, topK=5))
    return out


def main() -> None:
    parser = data_argument(__doc__.split("\n")[0])
    parser.add_argument("--split", default="dev", help="CSL split file name without .tsv (default dev)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    rows = load_csl(require(args.data / "csl_keywords" / "kg" / f"{args.split}.tsv"))
    gold = [g for _, g in rows]
    with tempfile.TemporaryDirectory() as tmp:
        idf_path = abstracts_idf(rows, Path(tmp))
        results = []
        for idf_name, idf in (("jieba", None), ("nlp idf (abstracts)", idf_path)):
            for method in METHODS:
                if method == "textrank" and idf is not None:
                    continue  # TextRank does not use IDF
                predicted, seg_s, kw_s = ours(rows, Settings(method=method, top_k=5, idf_path=idf))
                results.append((f"nlp `{method}`", idf_name if method != "textrank" else "-", *f1_at_k(predicted, gold),
                                f"{kw_s / seg_s:.2f}"))
                print(results[-1], flush=True)
        predicted, seg_s, kw_s = ours(rows, Settings(method="combined", top_k=5, engine="jieba"))
        results.append(("nlp `combined`, `--engine jieba` (jieba's own segmentation and tagging)", "jieba",
                         *f1_at_k(predicted, gold), f"{kw_s / seg_s:.2f}"))
        print(results[-1], flush=True)
        words, _ = discover_from_paths([Path(tmp) / "abstracts.jsonl"])
        user_dict = Path(tmp) / "new_words.txt"
        write_user_dict(words, user_dict)
        for method in ("combined", "tfidf"):
            predicted, seg_s, kw_s = ours(rows, Settings(method=method, top_k=5, user_dicts=(user_dict,)))
            results.append((f"nlp `{method}` + `nlp newwords` dictionary ({len(words)} words from the abstracts)", "jieba",
                            *f1_at_k(predicted, gold), f"{kw_s / seg_s:.2f}"))
            print(results[-1], flush=True)
        for method, idf in (("extract_tags", None), ("textrank", None), ("extract_tags", idf_path)):
            predicted = jieba_baseline(rows, method, idf)
            results.append((f"jieba.analyse `{method}`", ("nlp idf (abstracts)" if idf else "jieba") if method != "textrank" else "-",
                            *f1_at_k(predicted, gold), "-"))
            print(results[-1], flush=True)
    lines = ["| method | IDF | P@5 | R@5 | F1@5 | keyword time / segmentation time |", "|---|---|---|---|---|---|"]
    lines += [f"| {m} | {i} | {p:.3f} | {r:.3f} | **{f:.3f}** | {t} |" for m, i, p, r, f, t in results]
    table_md = "\n".join(lines) + (f"\n\nCSL `{args.split}.tsv` ({len(rows)} abstracts, {sum(map(len, gold)) / len(gold):.1f} gold "
                                   f"keywords each); exact match after NFKC + lowercasing. Machine: {machine()}. "
                                   f"Script: `python benchmarks/keywords.py --data ../shared/data`.")
    publish("keywords-benchmark", table_md, write=not args.no_write)


if __name__ == "__main__":
    main()
