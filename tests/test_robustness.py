"""Nothing lost on bad input, nothing unsafe: the bad-input matrix, property tests, interrupt + resume."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from typer.testing import CliRunner

from cli import app
from conftest import REPO, make_post
from nlp.doc import Article, Failure
from nlp.text.clean import Cleaner, CleaningRules
from nlp.errors import NlpError
from nlp.io.readers import read_file

runner = CliRunner()


def bad_inputs(folder: Path) -> list[str]:
    """One file per kind of bad input, between good ones; returns the expected record kinds in order."""
    cases = {
        "01_good.md": make_post(title="好文章", body="<p>正文。</p>").encode("utf-8"),
        "02_binary.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        "03_truncated.md": make_post().encode("utf-8")[:40],
        "04_empty.md": b"",
        "05_undecodable.txt": "标题\n".encode("utf-8") + b"\xff\xfe\xfd\xfc\x80\x81" * 3,
        "06_gbk.txt": "国标编码的标题\n正文内容。".encode("gbk"),
        "07_bom_crlf.md": b"\xef\xbb\xbf" + make_post(title="带BOM").replace("\n", "\r\n").encode("utf-8"),
        "08_python_tag.md": b"---\ntitle: !!python/object/apply:os.system ['echo pwned']\n---\nbody",
        "09_deep.html": ("<div>" * 20000 + "深层" + "</div>" * 20000).encode("utf-8"),
        "10_lines.jsonl": b'{"id": "j1", "text": "\xe5\xa5\xbd"}\n{broken\n{"id": "j3", "text": "x"}\n',
        "11_big.html": None,  # a sparse file over --max-bytes
        "12_good.txt": "最后一篇\n正文。".encode("utf-8"),
    }
    for name, data in cases.items():
        path = folder / name
        if data is None:
            with path.open("wb") as handle:
                handle.truncate(3 * 1024 * 1024)
        else:
            path.write_bytes(data)
    (folder / "13_loop").symlink_to(folder, target_is_directory=True)
    return ["ok", "error", "error", "error", "error", "ok", "ok", "ok", "ok", "ok", "error", "ok", "error", "ok"]


def test_the_bad_input_matrix_gives_one_record_per_input_in_order(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    expected = bad_inputs(folder)
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["annotate", str(folder), "-o", str(out), "--model", "none", "--max-bytes", str(2 * 1024 * 1024)])
    assert result.exit_code == 1
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert ["error" if "error" in r else "ok" for r in records] == expected
    messages = {r["source"].split("/")[-1]: r["error"]["message"] for r in records if "error" in r}
    assert "binary file" in messages["02_binary.md"]
    assert "empty file" in messages["04_empty.md"]
    assert "offset" in messages["05_undecodable.txt"]
    assert "over the limit" in messages["11_big.html"]
    assert any(source.endswith("10_lines.jsonl:2") for source in messages)
    ok = {r["source"].split("/")[-1]: r for r in records if "error" not in r}
    assert ok["06_gbk.txt"]["title"] == "国标编码的标题"
    assert ok["07_bom_crlf.md"]["title"] == "带BOM"
    assert "os.system" in ok["08_python_tag.md"]["title"]
    assert ok["09_deep.html"]["text"] == "深层"
    assert "8 articles annotated, 6 failed" in result.output


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".md", ".txt", ".html", ".jsonl"]))
def test_readers_turn_any_bytes_into_records(tmp_path, data, suffix):
    path = tmp_path / f"x{suffix}"
    path.write_bytes(data)
    records = list(read_file(path, "x"))
    assert records and all(isinstance(r, (Article, Failure)) for r in records)


CLEANER = Cleaner(CleaningRules.load())
HTMLISH = st.text(alphabet=st.sampled_from(list("<>/=\"' &#;!-abcdiv pscrtyle{}\n中文　")) , max_size=400)


@hsettings(max_examples=300, deadline=None)
@given(markup=st.one_of(HTMLISH, st.text(max_size=300)))
def test_the_cleaner_accepts_any_html(markup):
    try:
        result = CLEANER.clean(markup, is_html=True)
    except NlpError:
        return
    assert isinstance(result.text, str) and "\n\n" not in result.text


NLP = Path(sys.executable).parent / "nlp"  # the console script, as a user runs it


def wait_for_bytes(path: Path, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None and (not path.exists() or path.stat().st_size == 0):
        time.sleep(0.005)
    assert process.poll() is None, "the run ended before it could be interrupted"


def test_an_interrupted_run_is_finished_by_resume(tmp_path):
    folder = tmp_path / "posts"
    folder.mkdir()
    for i in range(600):
        (folder / f"{i:04d}.md").write_text(make_post(title=f"第{i}篇", body=f"<p>第{i}篇文章的正文，讨论芯片和算力。</p>"), "utf-8")
    full, partial = tmp_path / "full.jsonl", tmp_path / "partial.jsonl"
    in_progress = tmp_path / "partial.jsonl.partial"
    partial.write_bytes(b"an earlier output, kept until the new run has finished\n")
    command = [str(NLP), "annotate", str(folder), "--model", "none"]
    subprocess.run(command + ["-o", str(full)], check=True, capture_output=True)
    process = subprocess.Popen(command + ["-o", str(partial)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_bytes(in_progress, process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert partial.read_bytes().startswith(b"an earlier output")  # a killed run replaced nothing
    assert 0 < in_progress.stat().st_size < full.stat().st_size  # it was stopped part of the way
    with in_progress.open("ab") as handle:  # as if killed in the middle of a line
        handle.write(b'{"schema_version": "1.0", "id": "half')
    subprocess.run(command + ["-o", str(partial), "--resume"], check=True, capture_output=True)
    assert partial.read_bytes() == full.read_bytes() and not in_progress.exists()


def test_sigterm_stops_at_a_line_boundary_and_resume_finishes(tmp_path):
    folder = tmp_path / "posts"
    folder.mkdir()
    for i in range(400):
        (folder / f"{i:04d}.md").write_text(make_post(title=f"第{i}篇"), "utf-8")
    out, full = tmp_path / "out.jsonl", tmp_path / "full.jsonl"
    command = [str(NLP), "annotate", str(folder), "--model", "none"]
    subprocess.run(command + ["-o", str(full)], check=True, capture_output=True)
    process = subprocess.Popen(command + ["-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for_bytes(tmp_path / "out.jsonl.partial", process)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate()
    assert process.returncode == 130 and b"--resume" in stderr and b"Traceback" not in stderr
    data = out.read_bytes()  # a clean stop puts what is done in place
    assert data.endswith(b"\n") and len(data) < full.stat().st_size
    assert all(json.loads(line) for line in data.splitlines())
    subprocess.run(command + ["-o", str(out), "--resume"], check=True, capture_output=True)
    assert out.read_bytes() == full.read_bytes()


def test_parallel_runs_finish_and_workers_do_not_inherit_the_sigterm_handler(tmp_path):
    folder = tmp_path / "posts"
    folder.mkdir()
    for i in range(40):
        (folder / f"{i:03d}.md").write_text(make_post(title=f"第{i}篇", body="<p>芯片与算力。</p>"), "utf-8")
    for run in range(3):
        completed = subprocess.run([sys.executable, str(REPO / "cli.py"), "annotate", str(folder), "--jobs", "2",
                                    "--model", "none", "-o", str(tmp_path / f"out{run}.jsonl")],
                                   capture_output=True, timeout=120)
        assert completed.returncode == 0
    assert (tmp_path / "out0.jsonl").read_bytes() == (tmp_path / "out2.jsonl").read_bytes()
