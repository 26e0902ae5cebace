"""Render a :class:`nlp.report.tally.Report` as HTML (self-contained: inline CSS, inline SVG charts, a few
lines of inline JavaScript to sort tables; nothing from the network), Markdown, CSV or JSON."""

from __future__ import annotations

import csv
import html
import io
import json
from pathlib import Path

from nlp.errors import ConfigError
from nlp.report.tally import Report

FORMATS = ("html", "md", "csv", "json")
_PALETTE = ("#3b6ea5", "#d9822b", "#4f9a5d", "#b0413e", "#7a5ea8", "#8c6d46", "#c76fa8", "#6b7b8c", "#a8a83a", "#3aa8a8")


def infer_format(path: Path, given: str | None) -> str:
    fmt = given or {".htm": "html", ".html": "html", ".md": "md", ".markdown": "md", ".csv": "csv",
                    ".json": "json"}.get(path.suffix.lower())
    if fmt not in FORMATS:
        raise ConfigError(f"{path}: cannot tell the report format from the extension; pass --format html|md|csv|json")
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
        lines += [f"| {i} | {s.word} | {s.documents} | {s.share:.1%} | {s.score:.3f} |" for i, s in enumerate(stats, 1)]
        lines.append("")
    for before, after, trends in report.trends[-3:]:
        lines += [f"## Rising and falling: {before} -> {after}", "", "| keyword | before | after | LLR | |", "|---|---|---|---|---|"]
        lines += [f"| {t.word} | {t.before} | {t.after} | {t.llr:.2f} | {'▲' if t.direction == 'rising' else '▼'} |" for t in trends]
        lines.append("")
    if report.pairs:
        lines += ["## Keywords that travel together", "", "| keyword | keyword | documents |", "|---|---|---|"]
        lines += [f"| {a} | {b} | {n} |" for a, b, n in report.pairs]
        lines.append("")
    lines += ["## Articles per period", "", "| period | articles |", "|---|---|"]
    lines += [f"| {p} | {n} |" for p, n in report.periods.items()]
    return "\n".join(lines) + "\n"


def _inline(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "-"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def bar_chart(stats, width: int = 460, bar: int = 22) -> str:
    """Horizontal bars of document counts (inline SVG)."""
    if not stats:
        return "<p class=muted>no keywords</p>"
    top = max(s.documents for s in stats) or 1
    label_w = 120
    height = bar * len(stats) + 8
    parts = [f'<svg class="chart bars" viewBox="0 0 {width} {height}" role="img" aria-label="top keywords">']
    for i, s in enumerate(stats):
        y = 4 + i * bar
        w = max(1.0, (width - label_w - 50) * s.documents / top)
        parts.append(f'<text x="{label_w - 6}" y="{y + bar * 0.7:.1f}" text-anchor="end">{_e(s.word)}</text>'
                     f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{bar - 6}" fill="{_PALETTE[0]}"><title>{_e(s.word)}: {s.documents}</title></rect>'
                     f'<text x="{label_w + w + 4:.1f}" y="{y + bar * 0.7:.1f}" class="num">{s.documents}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(series: dict[str, dict[str, int]], periods: list[str], width: int = 720, height: int = 260) -> str:
    """Documents per period for the leading keywords (inline SVG polylines with a legend)."""
    if len(periods) < 2 or not series:
        return "<p class=muted>needs articles with dates in at least two periods</p>"
    left, right, top_pad, bottom = 40, 130, 10, 40
    peak = max((max(v.values()) for v in series.values() if v), default=1) or 1
    step = (width - left - right) / (len(periods) - 1)
    parts = [f'<svg class="chart series" viewBox="0 0 {width} {height}" role="img" aria-label="keywords over time">',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" class="axis"/>']
    every = max(1, len(periods) // 8)
    for i, p in enumerate(periods):
        if i % every == 0:
            parts.append(f'<text x="{left + i * step:.1f}" y="{height - bottom + 16}" text-anchor="middle" class="tick">{_e(p)}</text>')
    for k, (word, values) in enumerate(series.items()):
        colour = _PALETTE[k % len(_PALETTE)]
        points = " ".join(f"{left + i * step:.1f},{height - bottom - (height - top_pad - bottom) * values.get(p, 0) / peak:.1f}"
                          for i, p in enumerate(periods))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"><title>{_e(word)}</title></polyline>')
        parts.append(f'<text x="{width - right + 8}" y="{top_pad + 14 + k * 18}" fill="{colour}">{_e(word)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _table(headers: list[str], rows: list[list[object]], numeric: set[int]) -> str:
    head = "".join(f"<th data-col={i}>{_e(h)}</th>" for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f"<td{' class=num' if i in numeric else ''}>{_e(c)}</td>" for i, c in enumerate(r)) + "</tr>"
                   for r in rows)
    return f'<table class="sortable"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


_CSS = """
:root{--fg:#1d2733;--muted:#6b7785;--line:#d8dee6;--bg:#fff;--accent:#3b6ea5}
*{box-sizing:border-box}body{margin:0;padding:16px;font:15px/1.55 "PingFang SC","Hiragino Sans GB","Noto Sans CJK SC",
"Source Han Sans SC","Microsoft YaHei",system-ui,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:1.4em;margin:.2em 0 .6em}h2{font-size:1.15em;margin:1.4em 0 .5em;border-bottom:1px solid var(--line)}
.facts{display:flex;flex-wrap:wrap;gap:8px}.fact{border:1px solid var(--line);border-radius:6px;padding:6px 10px}
.fact b{display:block;font-size:1.3em}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:16px}
.card{border:1px solid var(--line);border-radius:8px;padding:10px}.card h3{margin:0 0 6px;font-size:1em}
svg.chart{width:100%;height:auto;font-size:12px}svg .num,svg .tick{fill:var(--muted)}svg .axis{stroke:var(--line)}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:.93em}th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left}
th{cursor:pointer;user-select:none;background:#f4f6f9}td.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:var(--muted)}.up{color:#2e7d32}.down{color:#b0413e}.scroll{overflow-x:auto}
@media (max-width:600px){body{padding:10px;font-size:14px}.grid{grid-template-columns:1fr}}
"""
_JS = """
document.querySelectorAll('table.sortable th').forEach(function(th){th.addEventListener('click',function(){
var table=th.closest('table'),body=table.tBodies[0],col=+th.dataset.col,asc=th.dataset.asc!=='1';
var rows=Array.from(body.rows);rows.sort(function(a,b){var x=a.cells[col].textContent,y=b.cells[col].textContent,
nx=parseFloat(x),ny=parseFloat(y);var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y,'zh');return asc?c:-c;});
rows.forEach(function(r){body.appendChild(r)});table.querySelectorAll('th').forEach(function(h){h.dataset.asc=''});
th.dataset.asc=asc?'1':'0';});});
"""


def to_html(report: Report) -> str:
    o = report.options
    facts = [("articles", report.articles), ("errors", report.errors), ("groups", len(report.groups)),
             ("periods", len(report.periods))] + [(f"language {k}", v) for k, v in report.languages.items()]
    cards = "".join(f'<div class="card"><h3>{_e(g)} <span class=muted>({report.groups[g]} articles)</span></h3>'
                    f'{bar_chart(stats[:10])}</div>' for g, stats in report.top.items())
    tables = "".join(f"<h3>{_e(g)}</h3><div class=scroll>" + _table(["#", "keyword", "documents", "share", "score"],
                     [[i, s.word, s.documents, f"{s.share:.4f}", f"{s.score:.4f}"] for i, s in enumerate(stats, 1)], {0, 2, 3, 4})
                     + "</div>" for g, stats in report.top.items())
    trends = ""
    for before, after, items in report.trends[-3:]:
        rows = [[t.word, t.before, t.after, f"{t.llr:.2f}", "▲ rising" if t.direction == "rising" else "▼ falling"] for t in items]
        trends += f"<h3>{_e(before)} → {_e(after)}</h3><div class=scroll>" + _table(["keyword", "before", "after", "LLR", ""], rows, {1, 2, 3}) + "</div>"
    pairs = _table(["keyword", "keyword", "documents"], [[a, b, n] for a, b, n in report.pairs], {2}) if report.pairs else "<p class=muted>none</p>"
    periods = _table(["period", "articles"], [[p, n] for p, n in report.periods.items()], {1})
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>关键词报告 · keyword report</title><style>{_CSS}</style></head><body>
<h1>关键词报告 <span class=muted>keyword report · grouped by {_e(o.by)}</span></h1>
<div class="facts">{''.join(f'<div class="fact"><b>{_e(v)}</b>{_e(k)}</div>' for k, v in facts)}</div>
<h2>Top keywords per group</h2><div class="grid">{cards}</div>
<h2>Leading keywords over time ({_e(o.period)})</h2>{line_chart(report.series, list(report.periods))}
<h2>Rising and falling (log-likelihood ratio)</h2>{trends or '<p class=muted>needs at least two periods</p>'}
<h2>Keywords that travel together</h2><div class=scroll>{pairs}</div>
<h2>Tables</h2>{tables}
<h2>Articles per period</h2><div class=scroll>{periods}</div>
<script>{_JS}</script></body></html>
"""
