"""A real local Dask cluster (2 worker processes): same bytes as a local run, workers that die."""

import json
import os
import signal
import pytest
from typer.testing import CliRunner

distributed = pytest.importorskip("distributed")

from cli import app  # noqa: E402
from conftest import make_post  # noqa: E402
from nlp.jobs.cluster import annotate_on_cluster, byte_ranges, _lines_between  # noqa: E402
from nlp.io.readers import read_articles  # noqa: E402
from nlp.report.tally import ReportOptions, Tally, read_annotations, summarise  # noqa: E402
from nlp.jobs.runner import annotate_records  # noqa: E402
from nlp.settings import Settings  # noqa: E402

runner = CliRunner()


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as c:
            yield c


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("crawl")
    for i in range(150):
        body = f"<p>第{i}篇文章讨论芯片、算力和数据中心的建设，{'球队在比赛中获胜' if i % 3 else '银行下调利率'}。</p>"
        (folder / f"{i:03d}.md").write_text(make_post(title=f"第{i}篇新闻", body=body), "utf-8")
    (folder / "bad.md").write_bytes(b"\x00\x01\x02")
    return folder


def lines(records):
    return [json.dumps(r.to_dict(), ensure_ascii=False) for r in records]


def test_cluster_output_is_byte_identical_to_a_local_run(client, corpus, tiny_model_dir):
    local = lines(annotate_records(read_articles([corpus]), Settings(), tiny_model_dir))
    remote = lines(annotate_on_cluster(client, read_articles([corpus]), Settings(), tiny_model_dir, chunk_size=16))
    assert remote == local and len(remote) == 151 and '"error"' in remote[-1]


def test_a_worker_that_dies_mid_run_loses_and_duplicates_nothing(client, corpus, tiny_model_dir):
    local = lines(annotate_records(read_articles([corpus]), Settings(), tiny_model_dir))
    killed = []

    def kill_a_worker_after_the_first_chunk(done):
        if not killed:
            pids = sorted(client.run(os.getpid).values())
            os.kill(pids[-1], signal.SIGKILL)
            killed.append(pids[-1])

    remote = lines(annotate_on_cluster(client, read_articles([corpus]), Settings(), tiny_model_dir, chunk_size=4, ahead=64,
                                       progress=kill_a_worker_after_the_first_chunk))
    assert killed
    assert remote == local


def test_cli_scheduler_local_writes_part_files(corpus, tmp_path):
    single, parts = tmp_path / "one.jsonl", tmp_path / "parts"
    assert runner.invoke(app, ["annotate", str(corpus), "--model", "none", "-o", str(single)]).exit_code == 1
    result = runner.invoke(app, ["annotate", str(corpus), "--model", "none", "--scheduler", "local:2", "-o", f"{parts}/"])
    assert result.exit_code == 1, result.output  # one bad input
    joined = b"".join(p.read_bytes() for p in sorted(parts.glob("part-*.jsonl")))
    assert joined == single.read_bytes()


def test_cluster_report_equals_local_report(client, tmp_path):
    data = tmp_path / "a.jsonl"
    records = [{"schema_version": "1.0", "id": str(i), "source": f"{i}.md", "date": f"2022-07-{1 + i % 28:02d}T00:00:00+00:00",
                "language": "zh-Hans", "categories": ["金融", "站点", "资讯"], "category": {"label": "科技" if i % 2 else "财经"},
                "keywords": [{"word": w, "score": 0.5} for w in (f"词{i % 7}", f"词{i % 5}", "算力")]} for i in range(500)]
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    options = ReportOptions(by="week")
    local = Tally(options)
    for record in read_annotations(data.open("rb"), str(data)):
        local.add(record)
    from nlp.jobs.cluster import report_on_cluster

    assert summarise(report_on_cluster(client, [str(data)], options)) == summarise(local)


@pytest.mark.parametrize("size", [1, 7, 100, 10_000])
def test_byte_ranges_cover_every_line_once(tmp_path, size):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"".join(f'{{"n": {i}}}\n'.encode() for i in range(300)))
    ranges = byte_ranges(path, size=size)
    got = [line for a, b in ranges for line in _lines_between(path, a, b)]
    assert got == path.read_bytes().splitlines(keepends=True)


def test_unreachable_scheduler_is_a_clear_error(tmp_path, corpus, monkeypatch):
    import nlp.jobs.cluster

    monkeypatch.setattr(nlp.jobs.cluster, "CONNECT_TIMEOUT", 0.5)  # the error, not the wait, is under test
    result = runner.invoke(app, ["annotate", str(corpus / "000.md"), "--scheduler", "tcp://127.0.0.1:1", "--model", "none"])
    assert result.exit_code == 2 and "cannot reach the Dask scheduler" in result.output
