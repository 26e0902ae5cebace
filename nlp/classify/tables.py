"""Plain-text tables for the terminal (evaluation reports)."""

from __future__ import annotations

import unicodedata

from nlp.classify.training import Evaluation


def width(text: str) -> int:
    """Display width: East Asian wide characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, size: int, *, right: bool = False) -> str:
    fill = " " * max(0, size - width(text))
    return fill + text if right else text + fill


def render(rows: list[list[str]], *, header: bool = True) -> str:
    sizes = [max(width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(pad(cell, sizes[i], right=i > 0) for i, cell in enumerate(row)).rstrip())
        if header and n == 0:
            lines.append("  ".join("-" * s for s in sizes))
    return "\n".join(lines)


def format_evaluation(ev: Evaluation) -> str:
    rows = [["label", "precision", "recall", "f1", "support"]]
    for label in ev.labels:
        m = ev.per_label[label]
        rows.append([label, f"{m['precision']:.4f}", f"{m['recall']:.4f}", f"{m['f1']:.4f}", str(m["support"])])
    present = [label for label in ev.labels if ev.per_label[label]["support"] > 0] or list(ev.labels)  # as macro_f1
    macro_p = sum(ev.per_label[label]["precision"] for label in present) / len(present)
    macro_r = sum(ev.per_label[label]["recall"] for label in present) / len(present)
    rows.append([f"macro avg ({len(present)} labels with support)" if len(present) < len(ev.labels) else "macro avg",
                 f"{macro_p:.4f}", f"{macro_r:.4f}", f"{ev.macro_f1:.4f}", str(ev.n)])
    rows.append(["weighted avg", "", "", f"{ev.weighted_f1:.4f}", str(ev.n)])
    confusion = [["true \\ predicted", *ev.labels]]
    confusion += [[label, *map(str, row)] for label, row in zip(ev.labels, ev.confusion)]
    parts = [
        f"accuracy {ev.accuracy:.4f}   macro-F1 {ev.macro_f1:.4f}   n {ev.n}"
        + (f"   calibration error (ECE) {ev.calibration_error:.4f}" if ev.calibration_error is not None else ""),
        "",
        render(rows),
        "",
        "confusion matrix (rows: true label, columns: predicted)",
        render(confusion),
    ]
    parts += [f"warning: {w}" for w in ev.warnings]
    return "\n".join(parts)
