"""Try every bad input and mistake of docs/robustness.md through the console script and print the table.

Usage: python benchmarks/mistakes.py [--nlp .venv/bin/nlp] > /tmp/table.md

Each case runs in a fresh temporary folder holding a hand-written micro corpus and an earlier output
(`prev.*`, three lines); the table says what the user sees (the first line of stderr that matters),
the exit code, and whether the earlier output is byte-for-byte as it was.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PREVIOUS = b'{"schema_version": "1.0", "id": "earlier"}\n' * 3
POST = "\n---\ntitle: '{title}'\ncategories:\n - 科技\ndate: 2022-07-10 05:10:44\n---\n\n<p>{body}</p>\n"


def corpus(root: Path) -> None:
    posts = root / "posts"
    posts.mkdir()
    for i, (title, body) in enumerate([("芯片企业发布新处理器", "芯片性能提升，处理器功耗下降。"),
                                        ("球队获胜", "前锋在比赛中进球，球队获胜。")]):
        (posts / f"{i}.md").write_text(POST.format(title=title, body=body), "utf-8")
    many = root / "many"
    many.mkdir()
    for i in range(3000):
        (many / f"{i:04d}.md").write_text(POST.format(title=f"第{i}篇", body=f"第{i}篇正文，芯片与算力。"), "utf-8")
    (root / "empty").mkdir()
    (root / "binary").mkdir()
    (root / "binary" / "x.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (root / "afile").write_text("x", "utf-8")
    (root / "rules.json").write_text('{"drop_linez": ["^广告"]}', "utf-8")
    (root / "idf_bad_late.txt").write_text("".join(f"词{i} 5.0\n" for i in range(50)) + "13C NMR 7.5\n", "utf-8")
    (root / "feed.jsonl").write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in [
        {"id": "1", "text": "第一条。"}, {"id": "2", "text": "长" * 400_000}, {"id": "3", "text": "第三条。"}]), "utf-8")
    (root / "big5.txt").write_bytes("台積電宣佈擴產\n台積電今天宣佈先進製程擴產計畫，供應鏈廠商營收可望成長。".encode("big5"))
    (root / "sjis.txt").write_bytes("東京で新型車を発表\n自動車メーカーは新しい電気自動車を発表した。".encode("shift_jis"))
    (root / "lines.txt").write_text("第一行\n\n第三行", "utf-8")
    (root / "crawl").mkdir()
    (root / "crawl" / "..md").write_text(POST.format(title="..", body="一篇随笔。"), "utf-8")
    (root / "crawl" / ".git").mkdir()
    (root / "crawl" / ".git" / "HEAD").write_text("ref: refs/heads/main\n", "utf-8")
    for name in ("a", "b"):
        (root / name).mkdir()
        (root / name / "index.txt").write_text(f"{name}的标题\n正文。", "utf-8")


CASES = [
    ("annotate with a misspelt --idf", "annotate posts -o prev.jsonl --idf nope.txt"),
    ("a bad --user-dict", "annotate posts -o prev.jsonl --user-dict nope.txt"),
    ("a bad --model", "annotate posts -o prev.jsonl --model nope"),
    ("--timezone CST", "annotate posts -o prev.jsonl --timezone CST"),
    ("--timezone +8", "annotate posts -o prev.jsonl --timezone +8"),
    ("--timezone Asia/Shanghai", "annotate posts -o prev.jsonl --model none --timezone Asia/Shanghai"),
    ("--boilerplate with a misspelt key (drop_linez)", "annotate posts -o prev.jsonl --boilerplate rules.json"),
    ("--scheduler foo", "annotate posts -o prev.jsonl --scheduler foo"),
    ("--scheduler local:0", "annotate posts -o prev.jsonl --scheduler local:0"),
    ("an IDF table bad only further down (found mid-run)", "annotate posts -o prev.jsonl --model none --idf idf_bad_late.txt"),
    ("--method bm25", "annotate posts -o prev.jsonl --method bm25"),
    ("--max-bytes 0", "annotate posts -o prev.jsonl --max-bytes 0"),
    ("--resume to stdout", "annotate posts --resume"),
    ("a missing input folder", "annotate misspelt/ -o prev.jsonl"),
    ("an empty folder", "annotate empty -o prev.jsonl"),
    ("every input fails", "annotate binary -o prev.jsonl --model none"),
    ("-o is the input itself", "annotate lines.txt -o lines.txt --model none"),
    ("-o inside the input folder", "annotate posts -o posts/out.jsonl --model none"),
    ("-o below a file", "annotate posts -o afile/x.jsonl --model none"),
    ("-o an existing folder", "annotate posts -o prev_parts --model none"),
    ("report on a missing folder", "report nosuchdir -o prev.html"),
    ("dedup on a missing folder", "dedup nosuchdir -o prev.jsonl"),
    ("idf on a missing folder", "idf nosuchdir -o prev.txt"),
    ("newwords on a missing folder", "newwords nosuchdir -o prev.txt"),
    ("idf on a folder of unreadable files", "idf binary -o prev.txt"),
    ("report with an unknown extension", "report posts -o prev.txt --model none"),
    ("a JSON Lines record over --max-bytes", "annotate feed.jsonl --max-bytes 1000000 --model none -o prev.jsonl"),
    ("a Big5 file", "annotate big5.txt --model none"),
    ("a Shift-JIS file", "annotate sjis.txt --model none"),
    ("`--dedup true` (a flag followed by a word)", "annotate posts --dedup true --model none -o prev.jsonl"),
    ("keywords on a folder", "keywords posts"),
    ("segment on a folder", "segment posts"),
    ("-v after the subcommand", "annotate posts/0.md --model none -v -o prev.jsonl"),
    ("--jobs 64 on this machine", "annotate posts --jobs 64 --model none -o prev.jsonl"),
    ("evaluate without --model", "evaluate posts"),
    ("train on a missing file", "train nope.jsonl -o prev_model"),
    ("posts named `..md`, a .git folder", "annotate crawl --model none -o prev.jsonl"),
    ("two folders with index.txt", "annotate a b --model none -o prev.jsonl"),
]


def run_case(nlp: str, command: str) -> tuple[str, int, str]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        corpus(root)
        (root / "prev_parts").mkdir()
        previous = [root / n for n in ("prev.jsonl", "prev.html", "prev.txt", "prev_parts/part-00000.jsonl")]
        for path in previous:
            path.write_bytes(PREVIOUS)
        args = command.split()
        completed = subprocess.run([nlp, *args], cwd=root, capture_output=True, timeout=300)
        stderr = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        shown = next((line for line in stderr if "error" in line.lower() or "warning" in line), stderr[0] if stderr else "")
        if not stderr and completed.stdout:
            first = completed.stdout.decode("utf-8").splitlines()[0]
            shown = "stdout: " + (first[:110] + "…" if len(first) > 110 else first)
        extra = ""
        if args[0] == "annotate" and "-o" in args and completed.returncode in (0, 1) and "prev.jsonl" in args:
            ids = [json.loads(line).get("id") for line in (root / "prev.jsonl").read_text("utf-8").splitlines()]
            extra = f" (ids: {', '.join(ids[:4])})" if "a" in args and "b" in args or "crawl" in args else ""
        kept = [p.name for p in previous if p.read_bytes() == PREVIOUS]
        written = [p.name for p in previous if p.read_bytes() != PREVIOUS]
        verdict = "untouched" if not written else f"replaced by the finished run: {', '.join(written)}"
        return shown.replace("|", "\\|") + extra, completed.returncode, verdict if kept or written else "-"


def interrupted(nlp: str, how: signal.Signals) -> tuple[str, int, str]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        corpus(root)
        (root / "prev.jsonl").write_bytes(PREVIOUS)
        scheduler = ["--scheduler", "local:2"] if how == signal.SIGINT else []
        process = subprocess.Popen([nlp, "annotate", "many", "--model", "none", "-o", "prev.jsonl", *scheduler], cwd=root,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        partial = root / "prev.jsonl.partial"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (partial.exists() and partial.stat().st_size):
            time.sleep(0.01)
        os.killpg(process.pid, how)
        _, err = process.communicate(timeout=120)
        lines = err.decode("utf-8", "replace").strip().splitlines()
        state = ("untouched; prev.jsonl.partial left for --resume" if (root / "prev.jsonl").read_bytes() == PREVIOUS
                 else "replaced by the records done so far (whole lines)")
        resumed = subprocess.run([nlp, "annotate", "many", "--model", "none", "-o", "prev.jsonl", "--resume"], cwd=root,
                                 capture_output=True)
        count = len((root / "prev.jsonl").read_bytes().splitlines())
        shown = f"{len(lines)} line(s) of stderr: {lines[-1] if lines else ''}"
        return shown, process.returncode, f"{state}; `--resume` then exits {resumed.returncode} with {count} records"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nlp", default=str(Path(sys.executable).parent / "nlp"))
    args = parser.parse_args()
    nlp = shutil.which(args.nlp) or args.nlp
    print("| mistake | command | what the user sees | exit | earlier output |")
    print("|---|---|---|---|---|")
    for name, command in CASES:
        shown, code, kept = run_case(nlp, command)
        print(f"| {name} | `nlp {command}` | {shown} | {code} | {kept} |")
    for name, how in [("Ctrl-C (SIGINT to the process group) under `--scheduler local:2`", signal.SIGINT),
                      ("killed outright (SIGKILL) mid-run", signal.SIGKILL)]:
        shown, code, kept = interrupted(nlp, how)
        print(f"| {name} | `nlp annotate many -o prev.jsonl` | {shown} | {code} | {kept} |")


if __name__ == "__main__":
    main()
