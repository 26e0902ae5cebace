import io
import json

import pytest

from nlp import SCHEMA_VERSION

from nlp.doc import Doc, Failure
from nlp.io.output import FileOutput, JsonlWriter, resume_point, skip_done


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


GOOD = '{"source": "a.md", "id": "a"}\n{"source": "b.md", "id": "b"}\n'


def test_resume_point_finds_the_whole_lines_and_leaves_the_file_alone(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text(GOOD + '{"source": "c.md", "te', "utf-8")
    assert resume_point(out) == ({"a.md", "b.md"}, len(GOOD.encode("utf-8")))
    assert out.read_text("utf-8") == GOOD + '{"source": "c.md", "te'


def test_resume_point_of_a_missing_file_is_empty(tmp_path):
    assert resume_point(tmp_path / "absent.jsonl") == (set(), 0)


@pytest.mark.parametrize("left_by", ["a finished run", "a killed run"])
def test_a_resumed_output_keeps_the_whole_lines_and_replaces_the_file_only_on_commit(tmp_path, left_by):
    out = tmp_path / "out.jsonl"
    previous = out if left_by == "a finished run" else tmp_path / "out.jsonl.partial"
    previous.write_text(GOOD + '{"source": "c.md", "te', "utf-8")
    target = FileOutput(out, resume=True)
    assert target.done == {"a.md", "b.md"}
    writer = JsonlWriter(target.stream)
    writer.write(Failure("d", "d.md", "InputError", "unreadable"))
    writer.flush()
    if left_by == "a finished run":
        assert out.read_text("utf-8") == GOOD + '{"source": "c.md", "te'  # untouched until the commit
    target.commit()
    assert out.read_text("utf-8").startswith(GOOD + '{"schema_version": "%s", "id": "d", "source": "d.md"' % SCHEMA_VERSION)
    assert out.read_text("utf-8").count("\n") == 3
    assert not (tmp_path / "out.jsonl.partial").exists()


def test_an_abandoned_fresh_output_leaves_the_old_file_and_no_partial(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text(GOOD, "utf-8")
    target = FileOutput(out)
    writer = JsonlWriter(target.stream)
    writer.write(Doc(id="x", source="x.md"))
    writer.flush()
    target.abandon()
    assert out.read_text("utf-8") == GOOD and not (tmp_path / "out.jsonl.partial").exists()


def test_skip_done_skips_articles_and_failures_by_source():
    records = [Failure("1", "a.md", "InputError", "x"), Failure("2", "b.md", "InputError", "y")]
    assert [r.source for r in skip_done(records, {"a.md"})] == ["b.md"]

