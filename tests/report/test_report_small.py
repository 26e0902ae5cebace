"""Issue 15 item 11: a small corpus gets a report that says what it can and hides what it cannot;
a large one gets readable charts (axis, labels that neither overlap nor get clipped, shares in %)."""

import html
import json
import re
import shutil
import subprocess

import pytest

from nlp.doc import from_record
from nlp.report.tally import KeywordStat, ReportOptions, build_report
from nlp.report.render import FONT, bar_chart, line_chart, render, text_width


def record(words, date, label="科技"):
    return from_record({"schema_version": "1.0", "id": "x", "source": "x", "date": date, "language": "zh-Hans",
            "categories": ["金融", "某站", "国内"], "category": {"label": label, "score": 0.9, "top": []},
            "keywords": [{"word": w, "score": 1.0 / (i + 1)} for i, w in enumerate(words)]})


def small_corpus():
    """Five articles, one a week, each with its own keywords: nothing repeats."""
    return [record([f"词{i}甲", f"词{i}乙"], f"2022-07-{4 + 7 * i:02d}T08:00:00+00:00") for i in range(4)]


def test_a_small_corpus_hides_empty_trend_tables_and_says_why():
    report = build_report(small_corpus(), ReportOptions())
    assert report.trends and not any(items for _, _, items in report.trends)
    for fmt in ("html", "md"):
        page = render(report, fmt)
        assert "too small to tell rising from falling" in page
        assert "→" not in page and "->" not in page.split("Rising and falling")[1].split("\n## Articles")[0]


def test_a_small_corpus_draws_no_time_series_of_single_articles():
    page = render(build_report(small_corpus(), ReportOptions()), "html")
    assert "<polyline" not in page and "too small for a time series" in page


def test_when_every_bar_would_be_one_the_group_is_called_too_small():
    page = render(build_report(small_corpus(), ReportOptions()), "html")
    assert '<svg class="chart bars"' not in page and "too few articles to rank them" in page


def test_shares_are_percentages_in_html_as_in_markdown():
    corpus = [record(["芯片", "算力"] if i % 2 else ["芯片"], "2022-07-04T08:00:00+00:00") for i in range(4)]
    report = build_report(corpus, ReportOptions())
    assert "<td class=num>50.0%</td>" in render(report, "html") and "| 50.0% |" in render(report, "md")
    assert "0.5000" not in render(report, "html")


LONG = "中国互联网络信息中心"


@pytest.mark.parametrize("words", [[LONG, "芯片"], ["DSGE模型", "芯片"], ["芯片", "算力"]])
def test_bar_labels_get_the_room_they_need(words):
    svg = bar_chart([KeywordStat(w, 3 - i, 0.5, 1.0) for i, w in enumerate(words)])
    label_x = [float(x) for x in re.findall(r'<text x="([\d.]+)"[^>]*text-anchor="end"', svg)]
    assert all(x >= text_width(w) for x, w in zip(label_x, words))  # the whole label right of x = 0
    assert f">{LONG}<" in svg or LONG not in words


def _ticks(svg: str) -> list[tuple[float, str]]:
    return [(float(x), t) for x, t in re.findall(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="middle" class="tick">([^<]+)<', svg)]


@pytest.mark.parametrize("n", [2, 12, 60, 400])
def test_time_series_has_a_y_axis_and_x_labels_that_do_not_overlap(n):
    periods = [f"2022-W{i:02d}" if n < 60 else f"day{i:04d}" for i in range(n)]
    series = {"芯片": {p: 3 + i % 5 for i, p in enumerate(periods)}, LONG: {p: 4 for p in periods}}
    svg = line_chart(series, periods, unit="week", min_count=3)
    ticks = _ticks(svg)
    assert ticks[0][1] == periods[0] and len(ticks) >= 2
    width = max(text_width(t, FONT - 1) for _, t in ticks)
    assert all(b[0] - a[0] >= width for a, b in zip(ticks, ticks[1:]))
    y = [int(v) for v in re.findall(r'text-anchor="end" class="tick">(\d+)</text>', svg)]  # the y-axis
    steps = {b - a for a, b in zip(y, y[1:])}
    assert y[0] == 0 and y[-1] >= max(max(v.values()) for v in series.values()) and len(steps) == 1
    assert steps <= {1, 2, 5, 10} and 2 <= len(y) <= 6
    assert f">{LONG}<title>" in svg  # the legend is wide enough for the longest keyword


def test_keywords_that_never_reach_the_minimum_count_are_left_out_of_the_series():
    weeks = ["2022-07-04", "2022-07-11", "2022-07-18"]
    corpus = [record(["芯片"] + (["偶见"] if i == 0 else []), f"{day}T08:00:00+00:00") for day in weeks for i in range(3)]
    page = render(build_report(corpus, ReportOptions()), "html")
    series = page.split("Leading keywords over time")[1].split("Rising and falling")[0]
    assert "<title>芯片</title>" in series and "偶见" not in series and "1 of the 2 leading keywords" in series


CHECK_CLIPPING = """<script>
var clipped = [];
document.querySelectorAll('svg.chart').forEach(function (svg) {
  var width = svg.viewBox.baseVal.width;
  svg.querySelectorAll('text').forEach(function (t) {
    var box = t.getBBox();
    if (box.x < -0.5 || box.x + box.width > width + 0.5) { clipped.push(t.textContent); }
  });
});
var fonts = Array.from(document.querySelectorAll('svg.chart text')).map(function (t) {
  return t.getBoundingClientRect().height; });
document.body.insertAdjacentHTML('beforeend', '<pre id="check">' + JSON.stringify(
  {clipped: clipped, smallest: Math.min.apply(null, fonts)}) + '</pre>');
</script></body>"""


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium on this machine")
@pytest.mark.parametrize("size", ["1280,2000", "390,2400"])
def test_in_a_real_browser_no_chart_text_is_clipped_or_tiny(tmp_path, size):
    words = [LONG, "DSGE模型", "Apex英雄", "芯片", "算力"]
    corpus = [record(words[: 2 + i % 4], f"2022-07-{4 + i % 21:02d}T08:00:00+00:00") for i in range(30)]
    page = tmp_path / "r.html"
    page.write_text(render(build_report(corpus, ReportOptions(period="day")), "html").replace("</body>", CHECK_CLIPPING),
                    "utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
             "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={size}"]
    dom = subprocess.run(["chromium", *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120).stdout
    check = json.loads(html.unescape(re.search(r'<pre id="check">(.*?)</pre>', dom).group(1)))
    assert check["clipped"] == [] and check["smallest"] >= 9  # px on screen, at phone width too
