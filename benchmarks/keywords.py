"""Keyword benchmark on real news (Sohu 2019 core entities) and CSL (scientific abstracts).

Sohu F1@3, as the contest scores it: per article, the F1 of the predicted set (top 3) against the
gold set, ``2 |P & G| / (|P| + |G|)`` (0 when either is empty), averaged over articles; the
"F1 of macro P and macro R" form (P and R averaged over articles, then their harmonic mean) is
printed beside it.  CSL F1@5: exact match after NFKC and lowercasing; P and R averaged over
documents (macro), F1 is their harmonic mean.  Every method of the toolkit runs with jieba's IDF
and with an IDF built by ``nlp idf`` from the evaluated texts themselves, against jieba.analyse's
``extract_tags`` and ``textrank`` defaults.  The ``combined`` ranker is fitted on both dev sets:
its honest numbers are the out-of-fold ones of ``benchmarks/train_keyranker.py`` (kept in
``nlp/data/keyrank.json`` and shown under the table).  ``--posts DIR --before FILE`` writes the
top-5 keywords of each post before (an earlier ``nlp annotate`` output) and now, by post id.
Writes the table into README.md and docs/benchmarks.md.
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
import time
import unicodedata
from pathlib import Path

from common import ROOT, data_argument, machine, require
from docs import publish

from nlp.pipeline import Pipeline
from nlp.doc import Article
from nlp.jobs.idf import build_idf
from nlp.keywords.ranker import KeyRanker
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


def load_sohu(path: Path) -> list[tuple[Article, list[str]]]:
    """(article, gold core entities) of the Sohu 2019 JSON Lines sample."""
    rows = []
    for number, line in enumerate(path.read_text("utf-8").split("\n"), start=1):
        if line.strip():
            record = json.loads(line)
            rows.append((Article(id=str(record["id"]), source=f"{path}:{number}", title=record["title"],
                                 body=record["text"], is_html=False), list(record["keywords"])))
    return rows


def set_f1(predicted: list[list[str]], gold: list[list[str]], k: int = 3) -> float:
    """The contest's measure: mean over articles of ``2 |P & G| / (|P| + |G|)`` (P: top ``k``, as sets)."""
    scores = []
    for pred, truth in zip(predicted, gold):
        p, g = {norm(w) for w in pred[:k]}, {norm(w) for w in truth}
        scores.append(2 * len(p & g) / (len(p) + len(g)) if p and g else 0.0)
    return sum(scores) / len(scores)


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
    """Keywords as `nlp annotate` computes them (chunks of 64 articles), with the time spent cleaning,
    segmenting and finding entities, and the time spent on keywords."""
    pipeline = Pipeline(settings)
    pipeline.idf  # load before timing
    t0 = time.perf_counter()
    docs = prepared(pipeline, [article for article, _ in rows])
    t1 = time.perf_counter()
    results = [[k.word for k in found] for i in range(0, len(docs), chunk)
               for found in pipeline.keywords_batch([d.tokens for d in docs[i:i + chunk]],
                                                    [pipeline.mentions(d) for d in docs[i:i + chunk]])]
    return results, t1 - t0, time.perf_counter() - t1


def prepared(pipeline: Pipeline, articles) -> list:
    """Cleaned and segmented documents with their entities, which the keyword ranker reads (as annotate)."""
    docs = [pipeline.prepare(article) for article in articles]
    if pipeline.recognizer is not None:
        pipeline.add_entities(docs)
    return docs


def jieba_baseline(rows, method: str, idf_path: Path | None = None, top_k: int = 5) -> list[list[str]]:
    import jieba
    import jieba.analyse

    jieba.setLogLevel(logging.WARNING)
    if idf_path:  # jieba reads "word idf" lines split at one space: leave out the phrases that hold one
        lines = [line for line in idf_path.read_text("utf-8").split("\n") if line.count(" ") == 1]
        idf_path = idf_path.with_name("jieba_" + idf_path.name)
        idf_path.write_text("\n".join(lines) + "\n", "utf-8")
    extractor = jieba.analyse.TFIDF(idf_path=str(idf_path)) if idf_path else jieba.analyse.TFIDF()
    ranker = jieba.analyse.TextRank()
    out = []
    for article, _ in rows:
        text = article.body + " " + article.title
        out.append(extractor.extract_tags(text, topK=top_k) if method == "extract_tags" else ranker.textrank(text, topK=top_k))
    return out


def csl_rows(rows, tmp: Path) -> list[tuple]:
    """(method, IDF, P@5, R@5, F1@5, keyword time / segmentation time) on CSL."""
    gold = [g for _, g in rows]
    idf_path = abstracts_idf(rows, tmp)
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
    words, _ = discover_from_paths([tmp / "abstracts.jsonl"])
    user_dict = tmp / "new_words.txt"
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
    return results


def sohu_rows(rows, tmp: Path) -> list[tuple]:
    """(method, IDF, P@3, R@3, F1 of macro P and R, contest F1@3) on the Sohu news sample."""
    gold = [g for _, g in rows]
    idf_path = abstracts_idf(rows, tmp)
    results = []

    def add(name: str, idf_name: str, predicted: list[list[str]]) -> None:
        results.append((name, idf_name, *f1_at_k(predicted, gold, k=3), set_f1(predicted, gold, k=3)))
        print(results[-1], flush=True)

    for idf_name, idf in (("jieba", None), ("nlp idf (articles)", idf_path)):
        for method in METHODS:
            if method == "textrank" and idf is not None:
                continue
            add(f"nlp `{method}`", idf_name if method != "textrank" else "-",
                ours(rows, Settings(method=method, top_k=3, idf_path=idf))[0])
    for method, idf in (("extract_tags", None), ("textrank", None), ("extract_tags", idf_path)):
        add(f"jieba.analyse `{method}`", ("nlp idf (articles)" if idf else "jieba") if method != "textrank" else "-",
            jieba_baseline(rows, method, idf, top_k=3))
    return results


def top5_file(posts: Path, before: Path | None, output: Path) -> None:
    """Each post's id with its top-5 keywords before (an earlier `nlp annotate` output) and now, tab-separated."""
    from nlp.io.readers import read_articles

    earlier: dict[str, list[str]] = {}
    if before is not None:
        for line in before.read_text("utf-8").split("\n"):
            if line.strip():
                record = json.loads(line)
                earlier[record["id"]] = [k["word"] for k in record.get("keywords", [])[:5]]
    docs = Pipeline(Settings(top_k=5)).annotate_batch(list(read_articles([posts])))
    lines = ["id\tbefore\tafter"]
    for doc in docs:
        now = [k.word for k in getattr(doc, "keywords", ())]
        lines.append(f"{doc.id}\t{' / '.join(earlier.get(doc.id, []))}\t{' / '.join(now)}")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(lines) + "\n", "utf-8")
    print(f"wrote {output} ({len(docs)} posts)")


def main() -> None:
    parser = data_argument(__doc__.split("\n")[0])
    parser.add_argument("--split", default="dev", help="CSL split file name without .tsv (default dev)")
    parser.add_argument("--sohu", default="dev", help="Sohu split file name without .jsonl (default dev)")
    parser.add_argument("--only", choices=("csl", "sohu", "posts"), help="run one part only (nothing is written to the docs)")
    parser.add_argument("--posts", type=Path, help="the posts to list top-5 keywords of (default DATA/seedfmt_sample)")
    parser.add_argument("--before", type=Path, help="an earlier `nlp annotate` output of the same posts, for the 'before' column")
    parser.add_argument("--top5", type=Path, default=ROOT / "out" / "keywords_top5.tsv",
                        help="where the before/after top-5 list goes (default out/keywords_top5.tsv)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.only in (None, "posts"):
        top5_file(require(args.posts or args.data / "seedfmt_sample"), args.before, args.top5)
    sohu = csl = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "sohu"):
            news = load_sohu(require(args.data / "sohu2019_keywords" / f"{args.sohu}.jsonl"))
            (Path(tmp) / "sohu").mkdir()
            sohu = sohu_rows(news, Path(tmp) / "sohu")
        if args.only in (None, "csl"):
            rows = load_csl(require(args.data / "csl_keywords" / "kg" / f"{args.split}.tsv"))
            csl = csl_rows(rows, Path(tmp))
    if args.only is not None:
        return
    gold = [g for _, g in rows]
    fitted = KeyRanker.bundled().info.get("out_of_fold", {})
    lines = ["| method | IDF | P@3 | R@3 | F1 of macro P, R | **F1@3 (contest)** |", "|---|---|---|---|---|---|"]
    lines += [f"| {m} | {i} | {p:.3f} | {r:.3f} | {f:.3f} | **{c:.3f}** |" for m, i, p, r, f, c in sohu]
    lines += ["", f"Sohu 2019 `{args.sohu}.jsonl` ({len(news)} real news articles, up to 3 core entities each); F1@3 is the "
              "contest's: per article 2|P∩G|/(|P|+|G|) over the top 3, averaged. The `combined` ranker was fitted on "
              "this split; its out-of-fold estimate: " + ", ".join(f"{k} {v}" for k, v in fitted.items()) + ".", ""]
    lines += ["| method | IDF | P@5 | R@5 | F1@5 | keyword time / segmentation time |", "|---|---|---|---|---|---|"]
    lines += [f"| {m} | {i} | {p:.3f} | {r:.3f} | **{f:.3f}** | {t} |" for m, i, p, r, f, t in csl]
    table_md = "\n".join(lines) + (f"\n\nCSL `{args.split}.tsv` ({len(rows)} abstracts, {sum(map(len, gold)) / len(gold):.1f} gold "
                                   f"keywords each); exact match after NFKC + lowercasing. Machine: {machine()}. "
                                   f"Script: `python benchmarks/keywords.py --data ../shared/data`.")
    publish("keywords-benchmark", table_md, write=not args.no_write)


if __name__ == "__main__":
    main()
