import io
import json

from nlp.doc import Doc, Failure
from nlp.io.output import JsonlWriter, resume_point, skip_done


def test_writer_writes_whole_lines_in_batches():
    stream = io.BytesIO()
    writer = JsonlWriter(stream, batch=2)
    writer.write(Doc(id="a", source="a", text="甲"))
    assert stream.getvalue() == b""
    writer.write(Failure("b", "b", "InputError", "unreadable"))
    assert stream.getvalue().decode("utf-8").count("\n") == 2
    writer.write(Doc(id="c", source="c"))
    writer.flush()
    lines = stream.getvalue().decode("utf-8").splitlines()
    assert [json.loads(line)["source"] for line in lines] == ["a", "b", "c"]


def test_resume_point_cuts_a_partial_last_line(tmp_path):
    out = tmp_path / "out.jsonl"
    good = '{"source": "a.md", "id": "a"}\n{"source": "b.md", "id": "b"}\n'
    out.write_text(good + '{"source": "c.md", "te', "utf-8")
    assert resume_point(out) == {"a.md", "b.md"}
    assert out.read_text("utf-8") == good


def test_resume_point_of_a_missing_file_is_empty(tmp_path):
    assert resume_point(tmp_path / "absent.jsonl") == set()


def test_skip_done_skips_articles_and_failures_by_source():
    records = [Failure("1", "a.md", "InputError", "x"), Failure("2", "b.md", "InputError", "y")]
    assert [r.source for r in skip_done(records, {"a.md"})] == ["b.md"]

