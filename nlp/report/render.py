"""Render a :class:`nlp.report.tally.Report` as HTML (self-contained: inline CSS, inline SVG charts, a few
lines of inline JavaScript to sort tables; nothing from the network), Markdown, CSV or JSON.  The
HTML page is a Jinja2 template (``nlp/data/report.html.j2``); the charts' SVG is computed here."""

from __future__ import annotations

import csv
import functools
import html
import io
import json
import math
import unicodedata
from importlib import resources
from typing import TYPE_CHECKING
from pathlib import Path

from markupsafe import Markup

if TYPE_CHECKING:
    import jinja2

from nlp.errors import ConfigError
from nlp.report import FORMATS
from nlp.report.tally import ENTITY_KINDS, Report, Trend

_PALETTE = ("#3b6ea5", "#d9822b", "#4f9a5d", "#b0413e", "#7a5ea8", "#8c6d46", "#c76fa8", "#6b7b8c", "#a8a83a", "#3aa8a8")


def infer_format(path: Path, given: str | None) -> str:
    fmt = given or {".htm": "html", ".html": "html", ".md": "md", ".markdown": "md", ".csv": "csv",
                    ".json": "json"}.get(path.suffix.lower())
    if fmt not in FORMATS:
        raise ConfigError(f"{path}: cannot tell the report format from the extension; name it: html, md, csv or json", setting="format")
    return fmt


def render(report: Report, fmt: str) -> str:
    return {"html": to_html, "md": to_markdown, "csv": to_csv, "json": to_json}[fmt](report)


def to_json(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"


def to_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["group", "group_articles", "rank", "keyword", "documents", "share", "score"])
    for group, stats in report.top.items():
        for rank, s in enumerate(stats, start=1):
            writer.writerow([group, report.groups[group], rank, s.word, s.documents, f"{s.share:.4f}", f"{s.score:.6f}"])
    return out.getvalue()


def to_markdown(report: Report) -> str:
    o = report.options
    lines = [f"# Keyword report ({report.articles} articles, grouped by {o.by})", "",
             f"Errors: {report.errors}. Languages: {_inline(report.languages)}.", ""]
    for group, stats in report.top.items():
        lines += [f"## {group} ({report.groups[group]} articles)", "", "| # | keyword | documents | share | score |",
                  "|---|---|---|---|---|"]
        lines += [f"| {i} | {s.word} | {s.documents} | {_share(s.share)} | {s.score:.3f} |" for i, s in enumerate(stats, 1)]
        lines.append("")
    shown, note = shown_trends(report)
    if note:
        lines += ["## Rising and falling", "", note, ""]
    for before, after, trends in shown:
        lines += [f"## Rising and falling: {before} -> {after}", "", "| keyword | before | after | LLR | |", "|---|---|---|---|---|"]
        lines += [f"| {t.word} | {t.before} | {t.after} | {t.llr:.2f} | {'▲' if t.direction == 'rising' else '▼'} |" for t in trends]
        lines.append("")
    if report.pairs:
        lines += ["## Keywords that travel together", "", "| keyword | keyword | documents |", "|---|---|---|"]
        lines += [f"| {a} | {b} | {n} |" for a, b, n in report.pairs]
        lines.append("")
    lines += _entities_markdown(report)
    lines += ["## Articles per period", "", "| period | articles |", "|---|---|"]
    lines += [f"| {p} | {n} |" for p, n in report.periods.items()]
    return "\n".join(lines) + "\n"


def _entities_markdown(report: Report) -> list[str]:
    lines = ["## People, companies and places", ""]
    note = entity_note(report)
    if note:
        return lines + [note, ""]
    for group, rows in entity_rows(report).items():
        lines += [f"### {group} ({report.groups[group]} articles)", "", "| # | " + " | ".join(ENTITY_KINDS) + " |",
                  "|---|" + "---|" * len(ENTITY_KINDS)]
        lines += [f"| {i} | " + " | ".join(cells) + " |" for i, cells in enumerate(rows, 1)]
        lines.append("")
    shown, note = shown_trends(report, entity_trends(report), "person, company or place")
    if note:
        lines += ["## Rising and falling people, companies and places", "", note, ""]
    for before, after, items in shown:
        lines += [f"## Rising and falling people, companies and places: {before} -> {after}", "",
                  "| kind | entity | before | after | LLR | |", "|---|---|---|---|---|---|"]
        lines += [f"| {kind} | {t.word} | {t.before} | {t.after} | {t.llr:.2f} | {'▲' if t.direction == 'rising' else '▼'} |"
                  for kind, t in items]
        lines.append("")
    return lines


def entity_note(report: Report) -> str:
    """Why the entity section is empty ('' when it is not)."""
    if report.entity_articles:
        return ""
    if not report.articles:
        return "No articles."
    return (f"None of the {report.articles} articles has entities: annotations written before schema 1.1 "
            "(or with the entity stage off) carry none. Annotate them again to fill this section.")


def entity_rows(report: Report) -> dict[str, list[list[str]]]:
    """Per group, rank by rank, one cell per kind: 'text (articles)', blank when the kind has fewer entities.
    A group with no person, company or place is left out."""
    out = {}
    for group in report.groups:
        columns = [report.entities.get(kind, {}).get(group, []) for kind in ENTITY_KINDS]
        depth = max((len(c) for c in columns), default=0)
        if depth:
            out[group] = [[f"{c[i].text} ({c[i].documents})" if i < len(c) else "" for c in columns] for i in range(depth)]
    return out


def entity_trends(report: Report) -> list[tuple[str, str, list[tuple[str, Trend]]]]:
    """Per pair of periods, the rising and falling entities of every kind together, by G² (then kind, text)."""
    pairs = list(zip(*report.entity_trends.values())) if report.entity_trends else []
    out = []
    for per_kind in pairs:
        before, after = per_kind[0][0], per_kind[0][1]
        items = [(kind, t) for kind, (_, _, trends) in zip(report.entity_trends, per_kind) for t in trends]
        items.sort(key=lambda kt: (-kt[1].llr, list(ENTITY_KINDS).index(kt[0]), kt[1].word))
        out.append((before, after, items[: report.options.top_k]))
    return out


def _share(share: float) -> str:
    """A share of a group's articles, written the same way in every format that shows it to people."""
    return f"{share:.1%}"


def shown_trends(report: Report, trends: list | None = None, noun: str = "keyword") -> tuple[list, str]:
    """The last three pairs of periods that have rising or falling keywords (or the given ``trends``,
    of entities), and a note saying why the others (or all) are not shown: a small corpus has no
    keyword counted often enough."""
    o = report.options
    pairs = (report.trends if trends is None else trends)[-3:]
    shown = [(a, b, items) for a, b, items in pairs if items]
    if len(report.periods) < 2:
        return [], f"Needs articles with dates in at least two {o.period}s ({len(report.periods)} here)."
    if not shown:
        return [], (f"No {noun} occurs in {o.min_count} or more articles of two consecutive {o.period}s: with "
                    f"{report.articles} articles over {len(report.periods)} {o.period}s the corpus is too small "
                    "to tell rising from falling.")
    hidden = len(pairs) - len(shown)
    return shown, (f"{hidden} of the last {len(pairs)} pairs of {o.period}s left out: no {noun} occurs in "
                   f"{o.min_count} or more of their articles." if hidden else "")


def _inline(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "-"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


FONT = 13  # chart text, in SVG units: charts are drawn near their display width, so about 13 px on screen


def text_width(text: str, size: float = FONT) -> float:
    """Estimated width of ``text`` in SVG units: CJK and other wide characters one em, others 0.68 em
    (generous: Latin capitals of common CJK fonts are wider than the average Latin letter)."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else 0.68 * size for ch in text)


def _fit(text: str, room: float) -> str:
    """``text`` cut with an ellipsis to fit ``room`` (the full text stays in the element's title)."""
    if text_width(text) <= room:
        return text
    while text and text_width(text + "…") > room:
        text = text[:-1]
    return text + "…"


def bar_chart(stats, width: int = 360, bar: int = 24) -> str:
    """Horizontal bars of document counts (inline SVG); labels get the width the longest one needs
    (up to half the chart; longer ones end in an ellipsis).  When every keyword occurs in a single
    article, bars would say nothing: the keywords are listed and the group called too small."""
    if not stats:
        return "<p class=muted>no keywords</p>"
    if all(s.documents == 1 for s in stats):
        return (f'<p class="muted too-small">Every keyword here occurs in one article only: too few articles to rank '
                f'them. Keywords: {_e("、".join(s.word for s in stats))}</p>')
    top = max(s.documents for s in stats)
    label_w = min(max(text_width(s.word) for s in stats) + 12, width / 2)
    number_w = text_width(str(top)) + 8
    height = bar * len(stats) + 8
    parts = [f'<svg class="chart bars" viewBox="0 0 {width} {height}" role="img" aria-label="top keywords">']
    for i, s in enumerate(stats):
        y = 4 + i * bar
        w = max(1.0, (width - label_w - number_w) * s.documents / top)
        parts.append(f'<text x="{label_w - 6:.1f}" y="{y + bar * 0.7:.1f}" text-anchor="end">{_e(_fit(s.word, label_w - 6))}'
                     f'<title>{_e(s.word)}</title></text>'
                     f'<rect x="{label_w:.1f}" y="{y + 3}" width="{w:.1f}" height="{bar - 6}" fill="{_PALETTE[0]}"><title>{_e(s.word)}: {s.documents}</title></rect>'
                     f'<text x="{label_w + w + 4:.1f}" y="{y + bar * 0.7:.1f}" class="num">{s.documents}</text>')
    parts.append("</svg>")
    return "".join(parts)


def drawn_series(report: Report) -> dict[str, dict[str, int]]:
    """The leading keywords worth a line: those in at least ``min_count`` articles of some period
    (a keyword seen in one or two articles a period would draw single-article spikes)."""
    return {w: v for w, v in report.series.items() if max(v.values(), default=0) >= report.options.min_count}


def _axis_step(peak: int) -> int:
    """A round step (1, 2, 5 x 10^k) giving at most five ticks up to ``peak``."""
    step = 1
    while peak / step > 5:
        for factor in (2, 5 / 2, 2):
            step = int(step * factor)
            if peak / step <= 5:
                break
    return step


def line_chart(series: dict[str, dict[str, int]], periods: list[str], width: int = 640, height: int = 280,
               *, unit: str = "period", min_count: int = 1) -> str:
    """Articles per period for the leading keywords (inline SVG: a y-axis with round ticks, x labels
    thinned so that they never overlap, a legend wide enough for its longest keyword)."""
    if len(periods) < 2:
        return f"<p class=muted>Needs articles with dates in at least two {unit}s ({len(periods)} here).</p>"
    if not series:
        return (f"<p class=muted>No leading keyword occurs in {min_count} or more articles of any one {unit}: "
                "the corpus is too small for a time series.</p>")
    right = min(max(text_width(w) for w in series) + 18, width / 3)
    left, top_pad, bottom = 10 + text_width("0000"), 18, 36
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    peak = max(max(v.values()) for v in series.values())
    step = _axis_step(peak)
    peak = -(-peak // step) * step
    x_step = plot_w / (len(periods) - 1)
    parts = [f'<svg class="chart series" viewBox="0 0 {width} {height}" role="img" aria-label="keywords over time">',
             f'<text x="2" y="{top_pad - 6}" class="tick">articles</text>']
    for value in range(0, peak + 1, step):
        y = top_pad + plot_h * (1 - value / peak)
        parts.append(f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{left + plot_w:.1f}" y2="{y:.1f}" class="{"axis" if value == 0 else "grid"}"/>'
                     f'<text x="{left - 6:.1f}" y="{y + 4:.1f}" text-anchor="end" class="tick">{value}</text>')
    label_w = max(text_width(p, FONT - 1) for p in periods) + 10
    every = max(1, math.ceil(label_w / x_step))
    for i, p in enumerate(periods):
        if i % every == 0:
            parts.append(f'<text x="{left + i * x_step:.1f}" y="{height - bottom + 18}" text-anchor="middle" class="tick">{_e(p)}</text>')
    for k, (word, values) in enumerate(series.items()):
        colour = _PALETTE[k % len(_PALETTE)]
        points = " ".join(f"{left + i * x_step:.1f},{top_pad + plot_h * (1 - values.get(p, 0) / peak):.1f}"
                          for i, p in enumerate(periods))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"><title>{_e(word)}</title></polyline>')
        parts.append(f'<text x="{width - right + 10:.1f}" y="{top_pad + 10 + k * 18}" fill="{colour}">'
                     f'{_e(_fit(word, right - 12))}<title>{_e(word)}</title></text>')
    parts.append("</svg>")
    return "".join(parts)


@functools.lru_cache(maxsize=1)
def _page_template() -> "jinja2.Template":
    import jinja2  # here, not at the top: only HTML needs it

    source = resources.files("nlp").joinpath("data/report.html.j2").read_text("utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return env.from_string(source)


def to_html(report: Report) -> str:
    """The page (template ``nlp/data/report.html.j2``, autoescaped); charts are built here as SVG."""
    o = report.options
    facts = [("articles", report.articles), ("errors", report.errors), ("groups", len(report.groups)),
             ("periods", len(report.periods))] + [(f"language {k}", v) for k, v in report.languages.items()]
    groups = [{"name": g, "articles": report.groups[g], "chart": Markup(bar_chart(stats[:10])),
               "rows": [[i, s.word, s.documents, _share(s.share), f"{s.score:.4f}"] for i, s in enumerate(stats, 1)]}
              for g, stats in report.top.items()]
    shown, note = shown_trends(report)
    trends = [(before, after, [[t.word, t.before, t.after, f"{t.llr:.2f}", "▲ rising" if t.direction == "rising" else "▼ falling"]
                               for t in items]) for before, after, items in shown]
    drawn = drawn_series(report)
    left_out = len(report.series) - len(drawn)
    series_note = (f"Keywords in {o.min_count} or more articles of some {o.period}; {left_out} of the "
                   f"{len(report.series)} leading keywords never reach that and are left out."
                   if drawn and left_out and len(report.periods) > 1 else "")
    entity_shown, entity_trends_note = shown_trends(report, entity_trends(report), "person, company or place")
    return _page_template().render(
        options=o, facts=facts, groups=groups, trends=trends, trends_note=note, series_note=series_note,
        entity_kinds=list(ENTITY_KINDS), entity_note=entity_note(report),
        entity_groups=[(g, report.groups[g], [[i, *cells] for i, cells in enumerate(rows[:10], 1)])
                       for g, rows in entity_rows(report).items()],  # ten a card, as the bar charts; all in JSON and Markdown
        entity_trends=[(before, after, [[kind, t.word, t.before, t.after, f"{t.llr:.2f}",
                                         "▲ rising" if t.direction == "rising" else "▼ falling"] for kind, t in items])
                       for before, after, items in entity_shown],
        entity_trends_note=entity_trends_note,
        series_chart=Markup(line_chart(drawn, list(report.periods), unit=o.period, min_count=o.min_count)),
        pairs=[[a, b, n] for a, b, n in report.pairs], periods=[[p, n] for p, n in report.periods.items()],
    )
