"""Study: which more word features would help the MSRA entity model? 9-fold CV, paired.

The shipped MSRA recipe (the core's character templates, jieba lexicon, character clusters and
the segmentation features: place in word with POS, POS, POS pairs with the neighbours) against the
same plus string features that the core does not compute (yet): ``word``, the identity of the
character's word with its place (``B|北京市``); ``neighbours``, the words before and after the
character's word.  pycrfsuite is driven directly, same options as the shipped model; folds are
``benchmarks/entities.py --msra-cv``'s (MD5 of the id % 10 in 1..9), spans decoded by the BIOES
rule, without the product's tidy rules on either side.  The first version of this study measured
the segmentation features themselves before they were in the core (docs/entities.md: 0.776 ->
0.795); its baseline column is the core's ``--msra-cv lexicon+clusters+words`` now.

    python benchmarks/entity_segmentation_cv.py --data ../shared/data [--variants word neighbours]
"""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import ProcessPoolExecutor

from common import data_argument, machine, require
from entities import MSRA, recipe_resources, split
from nlp.entities import TrainOptions, read_examples
from nlp.entities.data import fold_of
from nlp.entities.model import extra_features
from nlp.entities.training import encode_labels, features
from nlp.text.segment import Segmenter

TYPES = ("PER", "LOC", "ORG")
_state: dict = {}  # per process: examples, extras, segmenter


VARIANTS = ("word", "neighbours", "word+neighbours")


def word_features(tokens: list[tuple[str, str]], text: str, variant: str) -> list[list[str]]:
    """Per character, the study's string features of ``variant`` from the tokens that the core
    aligns with the text (white space skipped; an uncovered character has none)."""
    words = [w for w, _ in tokens if w and not w.isspace()]
    of: list[tuple[str, int] | None] = [None] * len(text)
    at = 0
    for index, word in enumerate(words):
        while at < len(text) and text[at].isspace():
            at += 1
        if text[at:at + len(word)] != word:
            break
        n = len(word)
        for k in range(n):
            of[at + k] = ("S" if n == 1 else "B" if k == 0 else "E" if k == n - 1 else "I", index)
        at += n
    out: list[list[str]] = []
    for i in range(len(text)):
        row: list[str] = []
        if of[i] is not None:
            place, index = of[i]
            if "word" in variant:
                row.append(f"wd={place}|{words[index]}")
            if "neighbours" in variant:
                row.append(f"wl={words[index - 1] if index else '^'}")
                row.append(f"wr={words[index + 1] if index + 1 < len(words) else '$'}")
        out.append(row)
    return out


def rows(text: str, variant: str | None) -> list[list[str]]:
    tokens = _state["segmenter"].tag(text)
    out = [[format(h, "x") for h in row if h] for row in features(text, _state["extras"], tokens).tolist()]
    if variant:
        for row, extra in zip(out, word_features(tokens, text, variant)):
            row.extend(extra)
    return out


def spans(labels: list[int]) -> set[tuple[int, int, int]]:
    """BIOES spans; a B/I run that does not close with E is not an entity (the core's rule)."""
    out, begin, open_type = set(), None, None
    for i, label in enumerate(labels):
        if label == 0:
            begin = None
            continue
        kind, typ = (label - 1) % 4, (label - 1) // 4
        if kind == 3:
            out.add((i, i + 1, typ))
            begin = None
        elif kind == 0:
            begin, open_type = i, typ
        elif begin is None or typ != open_type:
            begin = None
        elif kind == 2:
            out.add((begin, i + 1, typ))
            begin = None
    return out


def _init(data) -> None:
    _state["examples"], _ = split(read_examples([require(data / MSRA)]))
    resources = recipe_resources("lexicon+clusters+words", data)
    _state["extras"] = extra_features(resources["lexicon"], resources["clusters"], resources["segmentation"])
    _state["segmenter"] = Segmenter()


def score_fold(job: tuple[int, str | None]) -> tuple[int, str | None, int, int, int]:
    """(fold, variant, gold, predicted, correct) of a model trained on the other folds."""
    import pycrfsuite

    fold, variant = job
    index = {t: i for i, t in enumerate(TYPES)}
    options = TrainOptions()
    trainer = pycrfsuite.Trainer(verbose=False)
    trainer.set_params({"c1": options.c1, "c2": options.c2, "max_iterations": options.max_iterations})
    examples = [e for e in _state["examples"] if e.text]
    for e in examples:
        if fold_of(e.id) - 1 != fold:
            trainer.append(rows(e.text, variant), [str(x) for x in encode_labels(e, index)])
    handle, path = tempfile.mkstemp(suffix=".crfsuite")
    os.close(handle)
    try:
        trainer.train(path)
        tagger = pycrfsuite.Tagger()
        tagger.open(path)
        gold = predicted = correct = 0
        for e in examples:
            if fold_of(e.id) - 1 == fold:
                found = spans([int(x) for x in tagger.tag(rows(e.text, variant))])
                truth = spans(encode_labels(e, index))
                gold, predicted, correct = gold + len(truth), predicted + len(found), correct + len(truth & found)
        tagger.close()
    finally:
        os.unlink(path)
    return fold, variant, gold, predicted, correct


def main() -> None:
    parser = data_argument(__doc__.split("\n")[0])
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    args = parser.parse_args()
    variants: list[str | None] = [None, *args.variants]
    jobs = [(fold, variant) for variant in variants for fold in range(9)]
    with ProcessPoolExecutor(2, initializer=_init, initargs=(args.data,)) as pool:
        results = list(pool.map(score_fold, jobs))
    print(f"{machine()}; MSRA sample, 9 folds; options {TrainOptions()}")
    print("| features | CV P / R / F1 | fold F1s | folds better than the shipped recipe |\n|---|---|---|---|")
    f1 = {(r[0], r[1]): 2 * r[4] / (r[2] + r[3]) for r in results}
    for variant in variants:
        mine = [r for r in results if r[1] == variant]
        gold, predicted, correct = (sum(r[k] for r in mine) for k in (2, 3, 4))
        folds = " ".join(f"{f1[r[0], variant]:.3f}" for r in mine)
        better = sum(f1[r[0], variant] > f1[r[0], None] for r in mine)
        name = "lexicon + clusters + segmentation (shipped)" + (f" + {variant}" if variant else "")
        print(f"| {name} | {correct / predicted:.3f} / {correct / gold:.3f} / {2 * correct / (gold + predicted):.3f} "
              f"| {folds} | {better} of 9 |")


if __name__ == "__main__":
    main()
