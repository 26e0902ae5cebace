"""Shared helpers of the benchmark scripts: where the evaluation data is, and how to load it."""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.pipeline import Pipeline  # noqa: E402
from nlp.io.labelled import LabelOptions, read_examples  # noqa: E402
from nlp.settings import Settings  # noqa: E402
from nlp.jobs.train import featurize  # noqa: E402

LABEL_MAP = ROOT / "benchmarks" / "thucnews_labels.tsv"


def data_argument(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data",
                        help="folder holding thucnews_titles/, cnews_sample_1000/, ... (default: ../shared/data)")
    return parser


def require(path: Path) -> Path:
    if not path.exists():
        sys.exit(f"missing evaluation data: {path} (pass --data)")
    return path


def load(paths, pipeline: Pipeline, *, chinese_labels: bool = False) -> tuple[list[str], list[str]]:
    """Documents and labels of labelled files; THUCNews English ids renamed to Chinese on request."""
    options = LabelOptions(label_map=LABEL_MAP if chinese_labels else None)
    return featurize(read_examples([str(p) for p in paths], options), pipeline)


def nlp_command() -> list[str]:
    """How a user starts `nlp`: the console script that `pip install` put beside this Python (it imports
    cli.py's bytecode), or cli.py itself where there is none (a script is compiled on every start)."""
    script = Path(sys.executable).parent / "nlp"
    return [sys.executable, str(script)] if script.is_file() else [sys.executable, str(ROOT / "cli.py")]


def measure_nlp(args: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB of its largest process) of one fresh `nlp` process, measured from a
    wrapper process of its own so that nothing else this script ran is counted."""
    import subprocess

    code = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
            "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    command = [sys.executable, "-c", code, *nlp_command(), *args]
    seconds, rss = subprocess.run(command, check=True, capture_output=True, text=True).stdout.split()
    return float(seconds), int(rss) / 1024


def machine() -> str:
    import os

    return f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def load_note(before: float) -> str:
    """The load average around a run, for a table's footnote: on a shared machine it says how far the
    wall-clock times are inflated."""
    import os

    return (f"Load average (1 min) {before:.1f} before the run, {os.getloadavg()[0]:.1f} after: on a {os.cpu_count()}-core "
            "machine anything above about 2 means other work shared the cores and the times are inflated.")


def default_pipeline() -> Pipeline:
    return Pipeline(Settings())
