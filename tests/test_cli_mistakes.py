"""Issue 15: what a user types by mistake, through the real console script: nothing earlier is lost,
nothing hangs, and nothing that failed looks like success."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import make_post

NLP = Path(sys.executable).parent / "nlp"
PREVIOUS = b'{"schema_version": "1.0", "id": "earlier"}\n' * 3  # an earlier run's output


def nlp(*args, stdin: bytes | None = None, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(NLP), *map(str, args)], input=stdin, capture_output=True, timeout=timeout, cwd=cwd)


def error_lines(completed: subprocess.CompletedProcess) -> list[str]:
    return [line for line in completed.stderr.decode("utf-8").splitlines() if line.startswith("nlp: error:")]


def assert_one_line_error(completed: subprocess.CompletedProcess, *fragments: str) -> None:
    stderr = completed.stderr.decode("utf-8")
    assert completed.returncode == 2, stderr
    assert "Traceback" not in stderr
    [line] = error_lines(completed)
    assert all(fragment in line for fragment in fragments), line


@pytest.fixture()
def corpus(tmp_path) -> Path:
    folder = tmp_path / "posts"
    folder.mkdir()
    (folder / "a.md").write_text(make_post(title="芯片企业发布新处理器", body="<p>芯片性能提升，处理器功耗下降。</p>"), "utf-8")
    (folder / "b.md").write_text(make_post(title="球队获胜", body="<p>前锋在比赛中进球，球队获胜。</p>"), "utf-8")
    return folder


# --- item 1: a bad option never touches the existing output -----------------------------------------

@pytest.mark.parametrize("option", [
    ["--idf", "nope.txt"],
    ["--user-dict", "nope.txt"],
    ["--model", "nope_model"],
    ["--timezone", "CST"],
    ["--timezone", "+8"],
    ["--boilerplate", "nope.json"],
    ["--scheduler", "foo"],
    ["--scheduler", "local:0"],
])
def test_a_bad_option_leaves_the_previous_output_as_it_was(corpus, tmp_path, option):
    previous = tmp_path / "prev.jsonl"
    previous.write_bytes(PREVIOUS)
    completed = nlp("annotate", corpus, "-o", previous, *option, cwd=tmp_path)
    assert_one_line_error(completed, option[0])
    assert previous.read_bytes() == PREVIOUS and not (tmp_path / "prev.jsonl.partial").exists()


def test_a_failure_found_only_mid_run_leaves_the_previous_output_too(corpus, tmp_path):
    idf = tmp_path / "idf.txt"  # first lines fine, a bad line further down: found when the table loads
    idf.write_text("".join(f"词{i} 5.0\n" for i in range(50)) + "bad line here\n", "utf-8")
    previous = tmp_path / "prev.jsonl"
    previous.write_bytes(PREVIOUS)
    completed = nlp("annotate", corpus, "-o", previous, "--model", "none", "--idf", idf)
    assert completed.returncode == 2 and "Traceback" not in completed.stderr.decode()
    assert previous.read_bytes() == PREVIOUS and not (tmp_path / "prev.jsonl.partial").exists()


@pytest.mark.parametrize("command, name", [
    (["report", "{missing}", "--model", "none"], "r.md"),
    (["dedup", "{missing}"], "d.jsonl"),
    (["idf", "{missing}", "--min-df", "1"], "i.txt"),
    (["newwords", "{missing}"], "w.txt"),
    (["annotate", "{missing}", "--model", "none"], "a.jsonl"),
    (["annotate", "{missing}", "--model", "none"], "parts/"),
])
def test_every_command_names_a_missing_input_and_keeps_its_output(tmp_path, command, name):
    missing = tmp_path / "nosuchdir"
    output = tmp_path / name
    if name.endswith("/"):
        output.mkdir()
        (output / "part-00000.jsonl").write_bytes(PREVIOUS)
        kept = output / "part-00000.jsonl"
    else:
        output.write_bytes(PREVIOUS)
        kept = output
    completed = nlp(*[a.format(missing=missing) for a in command], "-o", f"{output}/" if name.endswith("/") else output)
    assert_one_line_error(completed, f"{missing}: no such file or directory")
    assert kept.read_bytes() == PREVIOUS


def test_part_files_replace_the_old_ones_only_when_the_run_finished(corpus, tmp_path):
    parts = tmp_path / "parts"
    parts.mkdir()
    (parts / "part-00000.jsonl").write_bytes(PREVIOUS)
    (parts / "part-00007.jsonl").write_bytes(PREVIOUS)  # from a larger earlier run
    assert nlp("annotate", corpus, "--model", "none", "-o", f"{parts}/").returncode == 0
    assert sorted(p.name for p in parts.iterdir()) == ["part-00000.jsonl"]
    assert [json.loads(line)["id"] for line in (parts / "part-00000.jsonl").read_text("utf-8").splitlines()] == ["a", "b"]


# --- item 2: --max-bytes applies to every JSON Lines record -----------------------------------------

def test_an_over_long_json_lines_record_is_an_error_record(tmp_path):
    feed = tmp_path / "feed.jsonl"
    long_text = "长" * 400_000  # 1.2 MB of UTF-8
    feed.write_text("".join(json.dumps(obj, ensure_ascii=False) + "\n" for obj in [
        {"id": "1", "text": "第一条正文。"}, {"id": "2", "text": long_text}, {"id": "3", "text": "第三条正文。"}]), "utf-8")
    for source in (["annotate", feed], ["annotate", "-"]):
        completed = nlp(*source, "--model", "none", "--max-bytes", 1_000_000, stdin=feed.read_bytes())
        records = [json.loads(line) for line in completed.stdout.decode("utf-8").splitlines()]
        assert completed.returncode == 1
        assert ["error" in r for r in records] == [False, True, False]
        assert "over the limit of 1000000 bytes" in records[1]["error"]["message"]
        assert records[1]["source"].endswith(":2")


def test_an_over_long_line_is_skipped_in_bounded_memory():
    import io

    from nlp.io.readers import _bounded_lines

    class Recording(io.BytesIO):
        largest = 0

        def readline(self, size=-1):
            line = super().readline(size)
            Recording.largest = max(Recording.largest, len(line))
            return line

    data = b'{"a": 1}\n' + b"x" * 5_000_000 + b"\n" + b'{"b": 2}'
    lines = list(_bounded_lines(Recording(data), 1000))
    assert lines == [b'{"a": 1}\n', None, b'{"b": 2}']
    assert Recording.largest <= 1 << 20  # never the whole 5 MB line at once


# --- item 3: no tracebacks, no hangs, a quiet cluster -----------------------------------------------

def test_a_bad_timezone_is_refused_even_when_no_article_needs_it(corpus):
    completed = nlp("annotate", corpus / "a.md", "--model", "none", "--timezone", "CST")  # the post has an offset
    assert_one_line_error(completed, "--timezone", "'CST'")
    assert completed.stdout == b""


@pytest.mark.parametrize("zone, expected", [("+0530", "+05:30"), ("Z", "+00:00"), ("Asia/Shanghai", "+08:00")])
def test_timezone_forms_are_accepted(tmp_path, zone, expected):
    post = tmp_path / "p.md"
    post.write_text(make_post(date="2022-07-10 05:10:44"), "utf-8")
    completed = nlp("annotate", post, "--model", "none", "--timezone", zone)
    assert json.loads(completed.stdout)["date"] == f"2022-07-10T05:10:44{expected}"


def test_a_local_dask_cluster_says_nothing_but_the_summary(corpus):
    pytest.importorskip("distributed")
    completed = nlp("annotate", corpus, "--model", "none", "--scheduler", "local:1", timeout=180)
    stderr = completed.stderr.decode("utf-8")
    assert completed.returncode == 0, stderr
    assert stderr.startswith("2 articles annotated, 0 failed") and "INFO" not in stderr and "Warning" not in stderr


# --- item 4: wrong paths are errors that name them -------------------------------------------------

def test_an_empty_folder_is_an_error_naming_it(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_one_line_error(nlp("annotate", empty), f"{empty}: no files to read", "empty")
    (empty / ".DS_Store").write_bytes(b"\x00\x01")
    assert_one_line_error(nlp("dedup", empty, "-o", tmp_path / "d.jsonl"), "1 file passed over: 1 hidden file")


def test_when_every_input_fails_the_summary_says_why(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    completed = nlp("annotate", bad, "-o", tmp_path / "out.jsonl")
    assert completed.returncode == 1
    assert f"0 articles annotated, 1 failed (every input failed; the first: {bad}: binary file" in completed.stderr.decode()


def test_idf_and_newwords_name_the_corpus_that_had_nothing_readable(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "x.md").write_bytes(b"\x00\x01\x02")
    for command in (["idf", folder, "-o", tmp_path / "i.txt"], ["newwords", folder, "-o", tmp_path / "w.txt"]):
        assert_one_line_error(nlp(*command), f"no readable documents in {folder}", "binary file")


# --- item 5: Big5 and Shift-JIS ----------------------------------------------------------------------

@pytest.mark.parametrize("text, encoding, language", [
    ("台積電宣佈擴產\n台積電今天宣佈先進製程擴產計畫，供應鏈廠商營收可望成長。董事長表示，明年資本支出將維持高檔。", "big5", "zh-Hant"),
    ("東京で新型車を発表\n自動車メーカーは東京で新しい電気自動車を発表した。販売は来年から始まる予定だという。", "shift_jis", "ja"),
    ("国标编码的标题\n正文内容，讨论芯片和算力。", "gbk", "zh-Hans"),
])
def test_legacy_encodings_are_detected_and_named(tmp_path, text, encoding, language):
    path = tmp_path / "doc.txt"
    path.write_bytes(text.encode(encoding))
    completed = nlp("annotate", path, "--model", "none")
    record = json.loads(completed.stdout)
    assert record["title"] == text.split("\n")[0] and record["language"] == language
    assert record["extra"]["encoding"] in {"big5": ("big5",), "shift_jis": ("cp932",), "gbk": ("gb18030",)}[encoding]
    jsonschema = pytest.importorskip("jsonschema")
    from nlp.pipeline import load_schema

    jsonschema.validate(record, load_schema())


def test_utf8_records_do_not_name_an_encoding(corpus):
    assert "encoding" not in json.loads(nlp("annotate", corpus / "a.md", "--model", "none").stdout)["extra"]


# --- item 6: help that does not mislead ----------------------------------------------------------------

def test_help_shows_flags_as_flags_and_keeps_brackets():
    text = nlp("annotate", "--help").stdout.decode("utf-8")
    assert "<bool>" not in text and "--dedup " in text
    assert "(word  )" not in text and "[freq] [pos]" in " ".join(text.split())
    assert "<combined|tfidf|textrank>" in text


def test_a_flag_does_not_eat_the_next_argument_as_its_value(corpus, tmp_path):
    (tmp_path / "true").write_text("文本标题\n正文。", "utf-8")
    completed = nlp("annotate", corpus / "a.md", "--dedup", "true", "--model", "none", cwd=tmp_path)
    assert [json.loads(line)["id"] for line in completed.stdout.decode().splitlines()] == [f"{corpus}/a", "true"]


def test_every_evaluate_option_has_help():
    text = nlp("evaluate", "--help").stdout.decode("utf-8")
    blocks = [block for block in text.split("Options:")[1].split("\n  -") if block.strip()]
    import typer.main

    from cli import app

    options = [p for p in typer.main.get_command(app).commands["evaluate"].params if p.param_type_name == "option"]
    assert len(blocks) == len(options) + 1 and all(len(block.split()) > 2 for block in blocks), text  # + --help


def test_verbose_is_accepted_after_the_subcommand(corpus):
    completed = nlp("annotate", corpus / "a.md", "--model", "none", "-v")
    assert completed.returncode == 0 and json.loads(completed.stdout)["title"] == "芯片企业发布新处理器"


@pytest.mark.parametrize("command, fragment", [
    (["keywords", "{dir}"], "is a directory; keywords reads one article"),
    (["segment", "{dir}"], "is a directory"),
    (["annotate", "{dir}/a.md", "-o", "{file}/x.jsonl"], "is a file, not a directory"),
    (["annotate", "{dir}/a.md", "-o", "{dir}"], None),  # an existing folder: part files, fine
])
def test_a_folder_or_file_in_the_wrong_place_is_explained(corpus, tmp_path, command, fragment):
    blocker = tmp_path / "existing_file"
    blocker.write_text("x", "utf-8")
    completed = nlp(*[a.format(dir=corpus, file=blocker) for a in command], "--model" if command[0] == "annotate" else "--engine",
                    "none" if command[0] == "annotate" else "rjieba")
    if fragment is None:
        assert completed.returncode == 0 and (corpus / "part-00000.jsonl").is_file()
    else:
        assert_one_line_error(completed, fragment)
        assert "File exists" not in completed.stderr.decode()


# --- item 7: segment keeps line alignment --------------------------------------------------------------

@pytest.mark.parametrize("text", ["第一行文字\n\n第三行文字\n", "第一行文字\n第二行文字", "\n\n", "一行\n\n\n"])
def test_segment_output_is_line_aligned_with_its_input(tmp_path, text):
    path = tmp_path / "in.txt"
    path.write_text(text, "utf-8")
    for completed in (nlp("segment", path), nlp("segment", "-", stdin=text.encode("utf-8"))):
        out = completed.stdout.decode("utf-8")
        assert out.count("\n") == text.count("\n") and out.endswith("\n") == text.endswith("\n")
        assert [bool(line) for line in out.split("\n")] == [bool(line) for line in text.split("\n")]
        assert out.replace("  ", "") == text


def test_segment_keeps_two_files_apart(tmp_path):
    (tmp_path / "a.txt").write_text("第一个文件", "utf-8")
    (tmp_path / "b.txt").write_text("第二个文件\n", "utf-8")
    out = nlp("segment", tmp_path / "a.txt", tmp_path / "b.txt").stdout.decode("utf-8")
    assert out.replace("  ", "") == "第一个文件\n第二个文件\n"


# --- item 8: dates ---------------------------------------------------------------------------------------

def test_naive_dates_are_beijing_time_unless_told_otherwise(tmp_path):
    post = tmp_path / "p.md"
    post.write_text(make_post(date="2022-07-10 05:10:44"), "utf-8")
    assert json.loads(nlp("annotate", post, "--model", "none").stdout)["date"] == "2022-07-10T05:10:44+08:00"
    assert json.loads(nlp("annotate", post, "--model", "none", "--timezone", "+00:00").stdout)["date"] == "2022-07-10T05:10:44+00:00"


@pytest.mark.parametrize("head, body, date, author", [
    ('<meta property="article:published_time" content="2022-07-10T05:10:44+08:00"><meta name="author" content="记者甲">',
     "", "2022-07-10T05:10:44+08:00", "记者甲"),
    ('<meta property="article:author" content="编辑乙">', '<time datetime="2022-07-10 05:10">7月10日</time>',
     "2022-07-10T05:10:00+08:00", "编辑乙"),
    ("", "", None, None),
])
def test_html_pages_give_their_date_and_author(tmp_path, head, body, date, author):
    page = tmp_path / "page.html"
    page.write_text(f"<html><head><title>页面标题</title>{head}</head><body>{body}<p>正文内容。</p></body></html>", "utf-8")
    record = json.loads(nlp("annotate", page, "--model", "none").stdout)
    assert (record["date"], record["author"], record["title"]) == (date, author, "页面标题")


# --- item 10: ids unique and stable ------------------------------------------------------------------------

def test_ids_are_unique_within_a_run_and_stable(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "index.txt").write_text(f"{folder}的标题\n正文。", "utf-8")
    (tmp_path / "a" / "index.md").write_text("同名不同后缀\n正文。", "utf-8")

    def ids(*args):
        return [json.loads(line)["id"] for line in nlp("annotate", *args, "--model", "none", cwd=tmp_path).stdout.splitlines()]

    assert ids("a/index.txt", "b/index.txt") == ["a/index", "b/index"]
    assert ids("a", "b") == ["a/index.md", "a/index.txt", "b/index"]
    assert ids("b") == ["index"] and ids("a") == ["index.md", "index.txt"]
    assert ids("a/index.txt", "b/index.txt") == ids("a/index.txt", "b/index.txt")


# --- items 12 and 15: the smaller ones, and posts passed over in silence --------------------------------

def test_hidden_posts_are_read_and_hidden_folders_skipped_with_a_word(tmp_path):
    crawl = tmp_path / "crawl"
    (crawl / ".git" / "objects").mkdir(parents=True)
    (crawl / ".git" / "objects" / "ab").write_bytes(b"\x00git object")
    (crawl / ".git" / "HEAD").write_text("ref: refs/heads/main\n", "utf-8")
    (crawl / ".md").write_text(make_post(title=".", body="<p>一篇题目是点的随笔。</p>"), "utf-8")
    (crawl / "..md").write_text(make_post(title="..", body="<p>另一篇。</p>"), "utf-8")
    (crawl / "cover.jpg").write_bytes(b"\xff\xd8\xff")
    (crawl / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    completed = nlp("annotate", crawl, "--model", "none")
    records = [json.loads(line) for line in completed.stdout.splitlines()]
    assert [r["id"] for r in records] == ["..md", ".md"] and all("error" not in r for r in records)
    stderr = completed.stderr.decode("utf-8")
    assert "4 files passed over" in stderr and "2 in a hidden folder" in stderr and "1 hidden file" in stderr
    assert "1 image or other asset" in stderr


def test_a_blank_title_is_counted_in_the_summary(tmp_path):
    post = tmp_path / "p.md"
    post.write_text(make_post(title=" ", body="<p>只有正文。</p>"), "utf-8")
    assert "untitled: 1 article has a blank title" in nlp("annotate", post, "--model", "none").stderr.decode()


def test_more_jobs_than_cpus_gets_a_word(corpus):
    completed = nlp("annotate", corpus / "a.md", "--model", "none", "--jobs", 64)
    assert completed.returncode == 0 and "warning: --jobs 64 is more than the" in completed.stderr.decode()


def test_one_document_is_not_documents(corpus, tmp_path):
    completed = nlp("idf", corpus / "a.md", "-o", tmp_path / "idf.txt", "--min-df", 1)
    assert "from 1 document (" in completed.stderr.decode()


def test_a_misspelt_rule_key_is_refused(corpus, tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text('{"drop_linez": ["^广告"]}', "utf-8")
    assert_one_line_error(nlp("annotate", corpus, "--model", "none", "--boilerplate", rules), "--boilerplate", "'drop_linez'")


def test_the_license_is_an_spdx_string():
    import tomllib

    from conftest import REPO

    assert tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]["license"] == "MIT"


@pytest.mark.parametrize("output", ["{dir}/a.md", "{dir}/out.jsonl"])
def test_the_output_may_not_be_an_input_or_inside_an_input_folder(corpus, output):
    before = (corpus / "a.md").read_bytes()
    completed = nlp("annotate", corpus, "--model", "none", "-o", output.format(dir=corpus))
    assert_one_line_error(completed, "the output is")
    assert (corpus / "a.md").read_bytes() == before and not (corpus / "out.jsonl").exists()
    same = nlp("dedup", corpus / "a.md", "-o", corpus / "a.md")
    assert_one_line_error(same, "the output is also an input")
    assert (corpus / "a.md").read_bytes() == before


# --- a terminal sees a live count, a pipe sees only the summary --------------------------------------

@pytest.mark.parametrize("terminal", [True, False])
def test_progress_goes_to_a_terminal_only(corpus, tmp_path, terminal):
    import os
    import pty

    out = tmp_path / "out.jsonl"
    if not terminal:
        stderr = nlp("annotate", corpus, "-o", out).stderr.decode("utf-8")
    else:
        parent, child = pty.openpty()
        completed = subprocess.run([str(NLP), "annotate", str(corpus), "-o", str(out)], stderr=child,
                                   stdout=subprocess.DEVNULL, timeout=120)
        os.close(child)
        chunks = []
        while True:
            try:
                chunk = os.read(parent, 65536)
            except OSError:  # the terminal's other end is closed: everything has been read
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(parent)
        assert completed.returncode == 0
        stderr = b"".join(chunks).decode("utf-8", "replace")
    assert ("2 articles (" in stderr) == terminal
    assert "2 articles annotated, 0 failed" in stderr
