"""Report speed: `nlp report` over 100,000 annotation records (synthetic, realistic size).

Builds a JSON Lines file of annotation records with 10 keywords drawn from a Zipf-like
vocabulary, 8 entity mentions (people, companies, places, Zipf-like), dates over a year, 12
categories and ~1,000 characters of text each, then times the whole `nlp report` process for
HTML output.  Writes the table into README.md and docs/benchmarks.md.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, load_note, machine
from docs import publish

LABELS = ["体育", "娱乐", "家居", "房产", "教育", "时尚", "时政", "游戏", "社会", "科技", "股票", "财经"]


def synthetic(n: int, path: Path, seed: int = 0) -> None:
    rng = random.Random(seed)
    vocabulary = [f"词{i:05d}" for i in range(20000)]
    weights = [1.0 / (i + 1) for i in range(len(vocabulary))]
    text = "这是一段用于测试报告速度的正文。" * 62
    names = [(f"人名{i:04d}", "name") for i in range(2000)] + [(f"公司{i:04d}", "company") for i in range(2000)] \
        + [(f"地名{i:04d}", "address") for i in range(1000)]
    name_weights = [1.0 / (i % 2000 + 1) for i in range(len(names))]
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            words = list(dict.fromkeys(rng.choices(vocabulary, weights, k=12)))[:10]
            mentions = [{"text": name, "type": kind, "start": 3 * k, "end": 3 * k + 6, "field": "text"}
                        for k, (name, kind) in enumerate(rng.choices(names, name_weights, k=8))]
            day = 1 + i * 365 // n
            record = {"schema_version": "1.1", "id": str(i), "source": f"posts/{i}.md", "title": f"标题{i}",
                      "date": f"2022-{1 + (day - 1) // 31 % 12:02d}-{1 + (day - 1) % 28:02d}T08:00:00+00:00",
                      "categories": ["金融", f"站点{i % 17}", "资讯"], "author": None, "editor": None,
                      "language": "zh-Hans", "text": text, "stats": {"chars": len(text), "tokens": 600},
                      "keywords": [{"word": w, "score": round(1.0 / (k + 1), 6)} for k, w in enumerate(words)],
                      "category": {"label": LABELS[i % 12], "score": 0.9, "top": []}, "model": None, "entities": mentions, "extra": {}}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "annotations.jsonl"
        synthetic(args.records, data)
        megabytes = data.stat().st_size / 1e6
        rows = ["| report | records | seconds (whole process) |", "|---|---|---|"]
        for by, out in (("category", "r.html"), ("week", "w.html"), ("source", "s.csv")):
            started = time.perf_counter()
            subprocess.run([sys.executable, str(ROOT / "cli.py"), "report", str(data), "-o", str(Path(tmp) / out), "--by", by],
                           check=True, capture_output=True)
            rows.append(f"| `--by {by}` -> {Path(out).suffix[1:]} | {args.records:,} | {time.perf_counter() - started:.1f} |")
    rows += ["", f"{megabytes:.0f} MB of JSON Lines read in one streaming pass. {load_note(load_before)} "
                 f"Machine: {machine()}. Script: `python benchmarks/report.py`."]
    publish("report-benchmark", "\n".join(rows), write=not args.no_write)


if __name__ == "__main__":
    main()
