"""Every command through typer's CliRunner, as a user would call it."""

import json
import re

import pytest
from typer.testing import CliRunner

from cli import app
from conftest import REPO, make_post

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def records(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.fixture()
def posts(tmp_path):
    folder = tmp_path / "posts"
    folder.mkdir()
    (folder / "a.md").write_text(make_post(title="芯片企业发布新处理器", body="<p>芯片性能提升，处理器功耗下降。</p>"), "utf-8")
    (folder / "b.txt").write_text("球队获胜\n前锋在比赛中进球，球队获胜。", "utf-8")
    return folder


def test_annotate_writes_one_record_per_article(posts, tmp_path, tiny_model_dir):
    out = tmp_path / "out.jsonl"
    result = run("annotate", posts, "-o", out, "--model", tiny_model_dir, "--top-k", 3)
    assert result.exit_code == 0, result.output
    lines = records(out.read_text("utf-8"))
    assert [r["id"] for r in lines] == ["a", "b"]
    assert [r["category"]["label"] for r in lines] == ["科技", "体育"]
    assert all(len(r["keywords"]) <= 3 for r in lines)
    assert "2 articles annotated, 0 failed" in result.output


def test_annotate_to_stdout_without_model(posts):
    result = run("annotate", posts / "a.md", "--model", "none", "--method", "textrank")
    assert result.exit_code == 0
    [record] = records(result.stdout)
    assert record["category"] is None and record["keywords"][0]["word"] in {"芯片", "处理器"}


def test_annotate_uses_the_default_model_when_present(posts):
    if not (REPO / "models" / "default" / "model.json").exists():
        pytest.skip("no default model in models/")
    result = run("annotate", posts / "a.md")
    [record] = records(result.stdout)
    assert record["model"]["name"] == "zh-news-default" and record["category"]["label"]


def test_min_score_option(posts, tiny_model_dir):
    result = run("annotate", posts / "a.md", "--model", tiny_model_dir, "--min-score", "1")
    [record] = records(result.stdout)
    assert record["category"]["label"] is None and record["category"]["top"]


def test_bad_inputs_are_reported_and_the_rest_annotated(posts, tmp_path):
    (posts / "c.md").write_bytes(b"\x00\x01\x02")
    (posts / "d.md").write_bytes(b"")
    result = run("annotate", posts, "--model", "none")
    assert result.exit_code == 1
    lines = records(result.stdout)
    assert [("error" in r) for r in lines] == [False, False, True, True]
    assert "binary file" in lines[2]["error"]["message"] and "empty file" in lines[3]["error"]["message"]
    assert "2 articles annotated, 2 failed" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["annotate", "{post}", "--model", "/nonexistent/model"], "model directory not found"),
        (["evaluate", "{post}"], "--model is required"),
        (["annotate", "/nonexistent/x.md"], "/nonexistent/x.md: no such file or directory"),
        (["train", "/nonexistent.jsonl", "-o", "/tmp/never"], "/nonexistent.jsonl: no such file"),
        (["idf", "/nonexistent/corpus", "-o", "/tmp/never.txt"], "/nonexistent/corpus: no such file"),
        (["annotate", "{post}", "--timezone", "CST"], "--timezone: not a UTC offset or time zone: 'CST'"),
        (["annotate", "{post}", "--scheduler", "local:0"], "--scheduler: a local cluster needs at least 1 worker"),
        (["annotate", "{post}", "--scheduler", "foo"], "--scheduler: not a scheduler address: 'foo'"),
    ],
)
def test_fatal_errors_are_one_line_and_exit_2(posts, args, message):
    result = run(*[a.format(post=posts / "a.md") for a in args])
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("nlp: error:")]
    assert len(errors) == 1 and message in errors[0] and "Traceback" not in result.output


@pytest.mark.parametrize("option, value", [("--method", "bm25"), ("--engine", "thulac")])
def test_choices_are_checked_and_listed_by_the_command_line(posts, option, value):
    result = run("annotate", posts / "a.md", option, value)
    assert result.exit_code == 2 and f"Invalid value for '{option}'" in result.output
    assert "combined" in run("annotate", "--help").output and "rjieba|jieba" in run("annotate", "--help").output


@pytest.mark.parametrize("command", [
    ["annotate", "{posts}", "--model", "none"],
    ["report", "{posts}", "--model", "none"],
    ["dedup", "{posts}"],
    ["idf", "{posts}", "--min-df", "1"],
    ["newwords", "{posts}"],
])
def test_outputs_go_into_new_directories_or_fail_in_one_line(posts, tmp_path, command):
    args = [a.format(posts=posts) for a in command]
    name = "result.md" if command[0] == "report" else "result.txt"
    nested = tmp_path / "out" / "deeper" / name
    assert run(*args, "-o", nested).exit_code == 0 and nested.is_file()
    blocker = tmp_path / "a_file"
    blocker.write_text("x", "utf-8")
    result = run(*args, "-o", blocker / name)  # a directory that cannot exist: its parent is a file
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("nlp: error:")]
    assert len(errors) == 1 and "cannot write output" in errors[0] and "Traceback" not in result.output


def test_train_then_evaluate(labelled_jsonl, tmp_path):
    model_dir = tmp_path / "model"
    result = run("train", labelled_jsonl, "-o", model_dir)
    assert result.exit_code == 0, result.output
    assert json.loads((model_dir / "model.json").read_text("utf-8"))["n_train"] == 24
    table = run("evaluate", labelled_jsonl, "--model", model_dir)
    assert table.exit_code == 0 and re.search(r"accuracy \d\.\d{4}", table.stdout) and "confusion matrix" in table.stdout
    as_json = json.loads(run("evaluate", labelled_jsonl, "--model", model_dir, "--json").stdout)
    assert {"accuracy", "macro_f1", "per_label", "confusion"} <= set(as_json) and as_json["accuracy"] > 0.9


def test_evaluate_cross_validation(labelled_jsonl):
    result = run("evaluate", labelled_jsonl, "--cv", 3, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n"] == 24


def test_train_rejects_rare_labels(tmp_path):
    data = tmp_path / "d.jsonl"
    words = ["比赛", "银行", "芯片", "电影", "学校", "房价", "游戏", "天气"]
    data.write_text("".join(json.dumps({"text": w, "label": "甲" if i < 6 else "乙"}, ensure_ascii=False) + "\n"
                            for i, w in enumerate(words)), "utf-8")
    result = run("train", data, "-o", tmp_path / "m")
    assert result.exit_code == 2 and "'乙' (2)" in result.output


def test_idf_builds_a_table_annotate_can_use(posts, tmp_path):
    table = tmp_path / "idf.txt"
    result = run("idf", posts, "-o", table, "--min-df", 1, "--no-merge")
    assert result.exit_code == 0, result.output
    words = dict(line.split() for line in table.read_text("utf-8").splitlines())
    assert "芯片" in words and "球队" in words
    annotated = run("annotate", posts / "a.md", "--idf", table, "--model", "none")
    assert records(annotated.stdout)[0]["keywords"]


def test_keywords_prints_word_and_score(posts):
    result = run("keywords", posts / "a.md", "--top-k", 2)
    assert result.exit_code == 0
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert len(lines) == 2 and all(float(score) > 0 for _, score in lines)


def test_user_dict_everywhere(posts, tmp_path):
    user_dict = tmp_path / "u.txt"
    user_dict.write_text("性能提升 100 n\n", "utf-8")
    result = run("keywords", posts / "a.md", "--user-dict", user_dict, "--top-k", 20)
    assert "性能提升" in result.stdout


def test_version_names_the_package_and_schema_versions():
    from nlp import SCHEMA_VERSION, __version__

    result = run("--version")
    assert result.exit_code == 0 and result.output.strip() == f"nlp {__version__} (annotation schema {SCHEMA_VERSION})"
    assert f'\nversion = "{__version__}"\n' in (REPO / "pyproject.toml").read_text("utf-8")  # one version


def test_every_command_has_help_and_is_documented():
    readme = (REPO / "README.md").read_text("utf-8")
    import typer.main

    commands = sorted(typer.main.get_command(app).commands)  # every command the app has, not a list kept by hand
    assert len(commands) >= 12
    for command in commands:
        result = run(command, "--help")
        assert result.exit_code == 0 and "Usage" in result.output
        assert f"nlp {command}" in readme


def test_a_small_hold_out_gets_a_caveat_and_the_overlap_warning_is_printed_once(labelled_jsonl, tmp_path):
    model_dir = tmp_path / "model"
    trained = run("train", labelled_jsonl, "-o", model_dir)
    assert trained.exit_code == 0 and "a rough estimate" in trained.output  # a 10% hold-out of 24 examples
    table = run("evaluate", labelled_jsonl, "--model", model_dir)  # evaluated on its own training data
    assert table.exit_code == 0 and table.output.count("were in the model's training data") == 1, table.output


def test_the_command_line_choices_are_the_librarys():
    import cli
    from nlp.classify.training import CLASSIFIERS
    from nlp.settings import ENGINES, METHODS

    for choice, values in [(cli.ClassifierChoice, CLASSIFIERS), (cli.EngineChoice, ENGINES), (cli.MethodChoice, METHODS)]:
        assert tuple(member.value for member in choice) == values


def test_annotate_off_a_terminal_does_not_load_the_progress_bar(posts, tmp_path):
    """The progress bar is for terminals; piped or redirected, rich (20 ms of imports) stays unloaded."""
    import subprocess
    import sys

    script = ("import sys, cli\n"
              f"sys.argv = ['nlp', 'annotate', {str(posts)!r}, '-o', {str(tmp_path / 'o.jsonl')!r}, '--model', 'none']\n"
              "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
              "print('loaded' if 'rich.progress' in sys.modules else 'not loaded')\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "not loaded", done.stderr
    assert len(records((tmp_path / "o.jsonl").read_text("utf-8"))) == 2
