"""Study: does the segmenter's view of a sentence help the MSRA entity model? 9-fold CV, paired.

The shipped MSRA recipe (the core's character templates, jieba lexicon, character clusters) against
the same plus four features per character from rjieba's tagging of the sentence: the character's
place in its word with the word's part of speech (``B_nr``), the part of speech alone, and the pair
with the previous and with the next character's word.  pycrfsuite is driven directly with string
features (the product's core would hash them), same options as the shipped model; folds are
``benchmarks/entities.py --msra-cv``'s (MD5 of the id % 10 in 1..9), spans decoded by the BIOES rule,
without the product's tidy rules on either side.  Measured once, before any implementation: the
baseline column reproduces ``--msra-cv lexicon+clusters`` (0.776).

    python benchmarks/entity_segmentation_cv.py --data ../shared/data
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


def segmentation_features(segmenter: Segmenter, text: str) -> list[list[str]]:
    """Per character: place in its word and the word's POS, the POS, and the POS pairs with the
    neighbouring characters' words (rjieba's raw tagging, whitespace tokens included, so that the
    words cover the text)."""
    of: list[tuple[str, str] | None] = [None] * len(text)
    at = 0
    for word, pos in segmenter._tag(text):
        n = len(word)
        for k in range(min(n, len(text) - at)):
            of[at + k] = ("S" if n == 1 else "B" if k == 0 else "E" if k == n - 1 else "I", pos)
        at += n
    out = []
    for i in range(len(text)):
        place, pos = of[i] or ("S", "x")
        left = of[i - 1][1] if i > 0 and of[i - 1] else "^"
        right = of[i + 1][1] if i + 1 < len(text) and of[i + 1] else "$"
        out.append([f"w={place}_{pos}", f"p={pos}", f"pl={left}|{pos}", f"pr={pos}|{right}"])
    return out


def rows(text: str, with_segmentation: bool) -> list[list[str]]:
    out = [[format(h, "x") for h in row if h] for row in features(text, _state["extras"]).tolist()]
    if with_segmentation:
        for row, extra in zip(out, segmentation_features(_state["segmenter"], text)):
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
    resources = recipe_resources("lexicon+clusters", data)
    _state["extras"] = extra_features(resources["lexicon"], resources["clusters"])
    _state["segmenter"] = Segmenter()


def score_fold(job: tuple[int, bool]) -> tuple[int, bool, int, int, int]:
    """(fold, with segmentation, gold, predicted, correct) of a model trained on the other folds."""
    import pycrfsuite

    fold, with_segmentation = job
    index = {t: i for i, t in enumerate(TYPES)}
    options = TrainOptions()
    trainer = pycrfsuite.Trainer(verbose=False)
    trainer.set_params({"c1": options.c1, "c2": options.c2, "max_iterations": options.max_iterations})
    examples = [e for e in _state["examples"] if e.text]
    for e in examples:
        if fold_of(e.id) - 1 != fold:
            trainer.append(rows(e.text, with_segmentation), [str(x) for x in encode_labels(e, index)])
    handle, path = tempfile.mkstemp(suffix=".crfsuite")
    os.close(handle)
    try:
        trainer.train(path)
        tagger = pycrfsuite.Tagger()
        tagger.open(path)
        gold = predicted = correct = 0
        for e in examples:
            if fold_of(e.id) - 1 == fold:
                found = spans([int(x) for x in tagger.tag(rows(e.text, with_segmentation))])
                truth = spans(encode_labels(e, index))
                gold, predicted, correct = gold + len(truth), predicted + len(found), correct + len(truth & found)
        tagger.close()
    finally:
        os.unlink(path)
    return fold, with_segmentation, gold, predicted, correct


def main() -> None:
    args = data_argument(__doc__.split("\n")[0]).parse_args()
    jobs = [(fold, with_segmentation) for with_segmentation in (False, True) for fold in range(9)]
    with ProcessPoolExecutor(2, initializer=_init, initargs=(args.data,)) as pool:
        results = list(pool.map(score_fold, jobs))
    print(f"{machine()}; MSRA sample, 9 folds; options {TrainOptions()}")
    print("| features | CV P / R / F1 | fold F1s |\n|---|---|---|")
    for with_segmentation in (False, True):
        mine = [r for r in results if r[1] == with_segmentation]
        gold, predicted, correct = (sum(r[k] for r in mine) for k in (2, 3, 4))
        folds = " ".join(f"{2 * r[4] / (r[2] + r[3]):.3f}" for r in mine)
        name = "lexicon + clusters" + (" + segmentation" if with_segmentation else "")
        print(f"| {name} | {correct / predicted:.3f} / {correct / gold:.3f} / {2 * correct / (gold + predicted):.3f} | {folds} |")


if __name__ == "__main__":
    main()
