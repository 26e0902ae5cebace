"""Segmentation on SIGHAN 2005 PKU, with and without a user dictionary discovered by `nlp newwords`
from the test text itself (no gold used).  Word-level P/R/F1 over character spans, the SIGHAN way.
Upper bounds for any such dictionary: the gold words the segmenter splits and does not know, added
as a dictionary (gold used for these rows only).
Writes the table into README.md and docs/benchmarks.md.
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

from common import data_argument, machine, require
from docs import publish

from nlp.text.newwords import DiscoveryOptions, NewWord
from nlp.jobs.newwords import discover_from_paths, write_user_dict
from nlp.text.segment import Segmenter

_HAN_WORD = re.compile(r"^[\u4e00-\u9fff]{2,}$")


def spans(words: list[str]) -> set[tuple[int, int]]:
    out, at = set(), 0
    for word in words:
        out.add((at, at + len(word)))
        at += len(word)
    return out


def score(predicted: list[list[str]], gold: list[list[str]]) -> tuple[float, float, float]:
    hits = n_pred = n_gold = 0
    for p, g in zip(predicted, gold):
        sp, sg = spans(p), spans(g)
        hits += len(sp & sg)
        n_pred += len(sp)
        n_gold += len(sg)
    precision, recall = hits / n_pred, hits / n_gold
    return precision, recall, 2 * precision * recall / (precision + recall)


def split_unknown_gold_words(segmenter: Segmenter, pairs) -> set[str]:
    """Gold words of 2+ Chinese characters that ``segmenter`` cuts into pieces and does not know."""
    out = set()
    for line, gold in pairs:
        cut = spans(segmenter.cut(line))
        at = 0
        for word in gold:
            span = (at, at + len(word))
            at += len(word)
            if span not in cut and _HAN_WORD.match(word) and not segmenter.has_word(word):
                out.add(word)
    return out


def main() -> None:
    parser = data_argument(__doc__.split("\n")[0])
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    root = require(args.data / "sighan2005")
    test_file = root / "testing" / "pku_test.utf8"
    lines = [l.strip() for l in test_file.read_text("utf-8").replace("\r\n", "\n").split("\n")]
    gold = [l.split() for l in (root / "gold" / "pku_test_gold.utf8").read_text("utf-8").replace("\r\n", "\n").split("\n")]
    pairs = [(line, g) for line, g in zip(lines, gold) if line]
    rows = ["| engine | user dictionary | P | R | F1 |", "|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        user_dict = Path(tmp) / "pku_new_words.txt"
        started = time.perf_counter()
        words, _ = discover_from_paths([test_file], options=DiscoveryOptions())
        write_user_dict(words, user_dict)
        discovery_s = time.perf_counter() - started
        for engine in ("jieba", "rjieba"):
            for label, dicts in (("none", ()), (f"`nlp newwords` on the test text ({len(words)} words)", (user_dict,))):
                segmenter = Segmenter(engine=engine, user_dicts=dicts)
                p, r, f = score([segmenter.cut(line) for line, _ in pairs], [g for _, g in pairs])
                rows.append(f"| {engine} | {label} | {p:.4f} | {r:.4f} | **{f:.4f}** |")
                print(rows[-1], flush=True)
        # How much any new-word dictionary could help here: add every gold word that the segmenter
        # splits and does not know (gold used for this upper bound only, never for discovery).
        segmenter = Segmenter(engine="rjieba")
        text = "\n".join(line for line, _ in pairs)
        missing = sorted(split_unknown_gold_words(segmenter, pairs))
        for at_least in (5, 2, 1):
            chosen = [w for w in missing if text.count(w) >= at_least]
            oracle = Path(tmp) / f"oracle{at_least}.txt"
            write_user_dict([NewWord(w, text.count(w), 0.0, 0.0, 0.0, 0.0) for w in chosen], oracle)
            p, r, f = score([Segmenter(engine="rjieba", user_dicts=(oracle,)).cut(line) for line, _ in pairs],
                            [g for _, g in pairs])
            rows.append(f"| rjieba | upper bound: every gold word it splits and does not know, occurring "
                        f"{at_least}+ times ({len(chosen)} words) | {p:.4f} | {r:.4f} | {f:.4f} |")
            print(rows[-1], flush=True)
    rows += ["", f"SIGHAN 2005 PKU test ({len(pairs)} lines); both engines load this toolkit's small domain dictionary "
                 f"too. Discovery took {discovery_s:.1f} s. Published: jieba 0.818 F1 (pkuseg README). "
                 f"Machine: {machine()}. Script: `python benchmarks/segmentation.py --data ../shared/data`."]
    publish("segmentation-benchmark", "\n".join(rows), write=not args.no_write)


if __name__ == "__main__":
    main()
