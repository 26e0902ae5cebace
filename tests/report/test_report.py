import csv
import io
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from conftest import REPO
from nlp.doc import from_record
from nlp.errors import ConfigError
from nlp.report.tally import ReportOptions, build_report, log_likelihood, period_of
from nlp.report.render import infer_format, render

runner = CliRunner()


def record(words, *, label="科技", date="2022-07-12T08:00:00+00:00", site="新浪财经", language="zh-Hans"):
    return {"schema_version": "1.0", "id": "x", "source": "x", "date": date, "language": language,
            "categories": ["金融", site, "国内"], "category": {"label": label, "score": 0.9, "top": []},
            "keywords": [{"word": w, "score": 1.0 / (i + 1)} for i, w in enumerate(words)]}


def corpus():
    """Week 27: 芯片 in 1 of 10 articles; week 28: in 8 of 10; 算力 steady; 足球 in sport articles."""
    out = []
    for i in range(10):
        out.append(record(["算力"] + (["芯片"] if i == 0 else []), date=f"2022-07-0{4 + i % 3}T08:00:00+00:00"))
        out.append(record(["算力"] + (["芯片"] if i < 8 else []), date=f"2022-07-1{1 + i % 3}T08:00:00+00:00"))
    out += [record(["足球", "联赛"], label="体育", site="新浪体育") for _ in range(3)]
    out.append({"schema_version": "1.0", "id": "bad", "source": "bad.md", "error": {"type": "InputError", "message": "x"}})
    return [from_record(r) for r in out]


def test_top_keywords_per_group_with_document_frequency_share_and_score():
    report = build_report(corpus(), ReportOptions(by="category", top_k=2))
    assert report.articles == 23 and report.errors == 1
    assert report.groups == {"科技": 20, "体育": 3}
    top = report.top["科技"]
    assert [(s.word, s.documents, s.share) for s in top] == [("算力", 20, 1.0), ("芯片", 9, 0.45)]
    assert top[0].score == 20.0


@pytest.mark.parametrize("by, level, expected", [("source", 2, {"新浪财经", "新浪体育"}), ("source", 1, {"金融"}),
                                                 ("week", 2, {"2022-W27", "2022-W28"})])
def test_grouping_by_source_level_and_time(by, level, expected):
    assert set(build_report(corpus(), ReportOptions(by=by, level=level)).groups) == expected


def test_rising_keywords_are_found_and_ranked_by_log_likelihood():
    report = build_report(corpus(), ReportOptions(period="week", min_count=3))
    before, after, trends = report.trends[-1]
    assert (before, after) == ("2022-W27", "2022-W28")
    assert trends[0].word == "芯片" and trends[0].direction == "rising" and trends[0].llr > 3
    assert all(t.word != "算力" or t.llr < trends[0].llr for t in trends)


def test_tiny_counts_do_not_make_trends():
    tiny = corpus()[:2]  # 芯片 in one article of week 27, none of week 28
    report = build_report(tiny, ReportOptions(period="week", min_count=3))
    assert [(a, b) for a, b, _ in report.trends] == [("2022-W27", "2022-W28")]  # a pair of periods was compared
    assert all(t.word != "芯片" for _, _, trends in report.trends for t in trends)
    unfiltered = build_report(tiny, ReportOptions(period="week", min_count=1))  # it is the minimum that keeps it out
    assert any(t.word == "芯片" for _, _, trends in unfiltered.trends for t in trends)


def test_pairs_of_keywords_that_travel_together():
    pairs = build_report(corpus(), ReportOptions()).pairs
    assert pairs[0] == ("算力", "芯片", 9) and ("联赛", "足球", 3) in pairs


def test_date_window():
    report = build_report(corpus(), ReportOptions(since="2022-07-10", until="2022-07-31"))
    assert report.articles == 13 and report.skipped_by_date == 10


@pytest.mark.parametrize("a, b, n_a, n_b, expected", [(5, 5, 10, 10, 0.0), (0, 0, 5, 5, 0.0)])
def test_log_likelihood_is_zero_without_a_difference(a, b, n_a, n_b, expected):
    assert log_likelihood(a, b, n_a, n_b) == pytest.approx(expected)


def test_log_likelihood_grows_with_the_difference():
    assert log_likelihood(8, 1, 10, 10) > log_likelihood(5, 3, 10, 10) > 0


@pytest.mark.parametrize("date, unit, expected", [("2022-07-30T08:20:42+00:00", "day", "2022-07-30"),
                                                  ("2022-07-30T08:20:42+00:00", "week", "2022-W30"),
                                                  ("2022-07-30", "month", "2022-07"), (None, "week", None), ("junk", "day", None)])
def test_period_of(date, unit, expected):
    assert period_of(date, unit) == expected


@pytest.mark.parametrize("kwargs, message", [({"by": "author"}, "unknown grouping"), ({"period": "year"}, "unknown period"),
                                             ({"since": "July"}, "must be a date")])
def test_bad_options(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        ReportOptions(**kwargs)


def test_formats_render_the_same_numbers():
    report = build_report(corpus(), ReportOptions(top_k=2))
    data = json.loads(render(report, "json"))
    assert data["top"]["科技"][1] == {"word": "芯片", "documents": 9, "share": 0.45, "score": 4.5}
    rows = list(csv.DictReader(io.StringIO(render(report, "csv"))))
    assert {"group": "科技", "group_articles": "20", "rank": "2", "keyword": "芯片", "documents": "9", "share": "0.4500",
            "score": "4.500000"} in rows
    markdown = render(report, "md")
    assert "| 2 | 芯片 | 9 | 45.0% | 4.500 |" in markdown and "## 科技 (20 articles)" in markdown
    page = render(report, "html")
    assert page.count("<svg") >= 3 and "<script src" not in page and "http" not in page.split("<body>")[1]


@pytest.mark.parametrize("name, fmt", [("r.html", "html"), ("r.md", "md"), ("r.csv", "csv"), ("r.json", "json")])
def test_format_follows_the_extension(name, fmt):
    assert infer_format(Path(name), None) == fmt


def test_unknown_extension_needs_format():
    with pytest.raises(ConfigError, match="html, md, csv or json") as raised:
        infer_format(Path("r.txt"), None)
    assert raised.value.setting == "format"  # the CLI names its --format flag


def test_the_cli_names_the_flag_of_a_bad_setting(tmp_path):
    done = runner.invoke(app, ["report", str(REPO / "corpus"), "-o", str(tmp_path / "r.txt"), "--model", "none"])
    assert done.exit_code == 2 and "--format" in done.output


def test_cli_report_from_annotations_and_from_posts(tmp_path):
    annotations = tmp_path / "a.jsonl"
    annotations.write_text("".join(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in corpus()), "utf-8")
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["report", str(annotations), "-o", str(out), "--by", "week"])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text("utf-8"))["facts"]["articles"] == 23
    posts = runner.invoke(app, ["report", str(REPO / "corpus"), "-o", str(tmp_path / "r.md"), "--model", "none"])
    assert posts.exit_code == 0 and "# Keyword report" in (tmp_path / "r.md").read_text("utf-8")


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(chromium() is None, reason="no chromium on this machine (.ci/run installs Debian's chromium)")
def test_html_report_renders_in_a_real_headless_browser(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(render(build_report(corpus(), ReportOptions(period="week")), "html"), "utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tempfile.mkdtemp()}"]
    dom = subprocess.run([chromium(), *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert "<svg" in dom.stdout and "芯片" in dom.stdout and "polyline" in dom.stdout
    artifacts = REPO / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    for name, size in (("report-desktop.png", "1280,2000"), ("report-phone.png", "390,2400")):
        shot = artifacts / name
        subprocess.run([chromium(), *flags, f"--window-size={size}", f"--screenshot={shot}", page.as_uri()],
                       capture_output=True, timeout=120)
        assert shot.exists() and shot.stat().st_size > 10_000
