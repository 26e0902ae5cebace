"""Scale: annotation throughput on a local Dask cluster of 1 and 2 workers, and the memory of
out-of-core training on the THUCNews title training data replicated to 10x, next to the
in-memory model's accuracy.  Writes the table into README.md and docs/benchmarks.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from common import ROOT, data_argument, load_note, machine, measure_nlp, require
from docs import publish
from throughput import build_posts, cnews_texts

NLP = [sys.executable, str(ROOT / "cli.py")]


def main() -> None:
    parser = data_argument(__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--replicate", type=int, default=10)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    texts = cnews_texts(require(args.data / "cnews_sample_1000" / "cnews.sample1000.txt"))
    titles = require(args.data / "thucnews_titles")
    rows = ["| measure | value |", "|---|---|"]
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        posts = Path(tmp) / "posts"
        build_posts(texts, posts, args.posts)
        for workers in (1, 2):
            seconds, _ = measure_nlp(["annotate", str(posts), "--scheduler", f"local:{workers}", "-o", f"{tmp}/parts{workers}/"])
            rows.append(f"| `nlp annotate --scheduler local:{workers}`, {args.posts:,} posts (whole process, cluster start-up included) "
                        f"| {args.posts / seconds:,.0f} posts/s |")
            print(rows[-1], flush=True)
        train = Path(tmp) / "train.txt"
        lines = (titles / "train_first45000.txt").read_text("utf-8").splitlines()
        train.write_text("\n".join(lines * args.replicate) + "\n", "utf-8")
        (Path(tmp) / "class.txt").write_text((titles / "class.txt").read_text("utf-8"), "utf-8")
        one = Path(tmp) / "one.txt"
        one.write_text("\n".join(lines) + "\n", "utf-8")
        (Path(tmp) / "m").mkdir()
        small_s, small_rss = measure_nlp(["train", str(one), "--out-of-core", "-o", f"{tmp}/m/small"])
        big_s, big_rss = measure_nlp(["train", str(train), "--out-of-core", "-o", f"{tmp}/m/big"])
        rows.append(f"| out-of-core training, 45,000 titles: time / peak RSS | {small_s:.0f} s / {small_rss:.0f} MB |")
        rows.append(f"| out-of-core training, {len(lines) * args.replicate:,} titles ({args.replicate}x): time / peak RSS "
                    f"| {big_s:.0f} s / {big_rss:.0f} MB ({(big_rss / small_rss - 1) * 100:+.0f}%) |")
        for name, model in (("out-of-core", f"{tmp}/m/small"),):
            out = subprocess.run([*NLP, "evaluate", str(titles / "dev.txt"), "--model", model, "--json"],
                                 check=True, capture_output=True, text=True)
            import json

            accuracy = json.loads(out.stdout)["accuracy"]
            rows.append(f"| {name} model (45,000 titles) on THUCNews dev | accuracy {accuracy:.4f} |")
        print("\n".join(rows[-3:]), flush=True)
    rows += ["", "The in-memory NBSVM model on the same dev split: see the classifier table. "
                 f"{load_note(load_before)} Machine: {machine()}. Script: `python benchmarks/scale.py --data ../shared/data`."]
    publish("scale-benchmark", "\n".join(rows), write=not args.no_write)


if __name__ == "__main__":
    main()
