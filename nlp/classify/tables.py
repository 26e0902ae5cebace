"""Evaluation reports for the terminal: aligned tables drawn by rich (which measures the width of
Chinese characters), rendered to plain text without colour so they can be printed or saved."""

from __future__ import annotations

import io

from rich import box
from rich.console import Console
from rich.table import Table

from nlp.classify.training import Evaluation


def table(header: list[str], rows: list[list[str]]) -> Table:
    """A table with the first column left-aligned and the others right-aligned (numbers)."""
    grid = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for i, name in enumerate(header):
        grid.add_column(name, justify="left" if i == 0 else "right", no_wrap=True)
    for row in rows:
        grid.add_row(*row)
    return grid


def render(*parts: Table | str) -> str:
    """Tables and lines as plain text, never wrapped (a wide confusion matrix stays one line per row)."""
    out = io.StringIO()
    console = Console(file=out, width=10_000, color_system=None, highlight=False, markup=False, emoji=False)
    for part in parts:
        console.print(part)
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines())


def format_evaluation(ev: Evaluation) -> str:
    rows = []
    for label in ev.labels:
        m = ev.per_label[label]
        rows.append([label, f"{m['precision']:.4f}", f"{m['recall']:.4f}", f"{m['f1']:.4f}", str(m["support"])])
    present = [label for label in ev.labels if ev.per_label[label]["support"] > 0] or list(ev.labels)  # as macro_f1
    macro_p = sum(ev.per_label[label]["precision"] for label in present) / len(present)
    macro_r = sum(ev.per_label[label]["recall"] for label in present) / len(present)
    plural = "s" if len(present) != 1 else ""
    rows.append([f"macro avg ({len(present)} label{plural} with support)" if len(present) < len(ev.labels) else "macro avg",
                 f"{macro_p:.4f}", f"{macro_r:.4f}", f"{ev.macro_f1:.4f}", str(ev.n)])
    rows.append(["weighted avg", "", "", f"{ev.weighted_f1:.4f}", str(ev.n)])
    confusion = [[label, *map(str, row)] for label, row in zip(ev.labels, ev.confusion)]
    summary = (f"accuracy {ev.accuracy:.4f}   macro-F1 {ev.macro_f1:.4f}   n {ev.n}"
               + (f"   calibration error (ECE) {ev.calibration_error:.4f}" if ev.calibration_error is not None else ""))
    return render(summary, "", table(["label", "precision", "recall", "f1", "support"], rows), "",
                  "confusion matrix (rows: true label, columns: predicted)",
                  table(["true \\ predicted", *ev.labels], confusion),
                  *(f"warning: {w}" for w in ev.warnings))
