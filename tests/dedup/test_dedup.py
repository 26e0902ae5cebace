import numpy as np
import pytest

from nlp.dedup.minhash import DuplicateIndex, MinHasher, find_groups, similarity

BASE = "国务院 常务 会议 日前 召开 会议 部署 进一步 稳定 和 扩大 就业 的 政策措施 要求 加大 对 中小微 企业 的 支持 力度".split()
OTHER = "女排 联赛 本周 进入 第二 阶段 主教练 在 比赛 中 大胆 轮换 阵容 多名 年轻 队员 首次 首发 登场".split()


@pytest.fixture(scope="module")
def hasher():
    return MinHasher()


def test_identical_token_sequences_have_identical_signatures(hasher):
    assert similarity(hasher.signature(BASE), hasher.signature(list(BASE))) == 1.0
    assert hasher.signature(BASE).dtype == np.uint32 and len(hasher.signature(BASE)) == 64


def test_similarity_estimates_follow_the_overlap(hasher):
    edited = BASE[:-2] + ["资金", "帮扶"]
    assert similarity(hasher.signature(BASE), hasher.signature(edited)) > 0.6
    assert similarity(hasher.signature(BASE), hasher.signature(OTHER)) < 0.2


def test_signatures_are_the_same_for_every_hasher_with_the_default_seed():
    assert (MinHasher().signature(BASE) == MinHasher().signature(BASE)).all()


def test_groups_collect_near_duplicates_in_input_order(hasher):
    docs = [OTHER, BASE, BASE[:-1], OTHER[::-1], ["另一", "篇", "文章"] * 5, BASE + ["。"]]
    groups = find_groups(np.array([hasher.signature(d) for d in docs]), threshold=0.7)
    assert [g.members for g in groups] == [(1, 2, 5)]
    assert groups[0].similarities[0] == 1.0 and all(s >= 0.7 for s in groups[0].similarities)


def test_groups_in_large_inputs_come_only_from_shared_buckets(hasher):
    rng = np.random.default_rng(0)
    signatures = rng.integers(0, 2 ** 32, size=(5000, hasher.num_perm), dtype=np.uint32)
    signatures[4000] = signatures[17]
    signatures[4001, :40] = signatures[17, :40]  # 40 of 64 positions equal: estimate 0.625
    [group] = find_groups(signatures, threshold=0.5)
    assert group.members == (17, 4000, 4001) and group.similarities[:2] == (1.0, 1.0)


def test_no_groups_for_distinct_or_empty_input(hasher):
    assert find_groups(np.array([hasher.signature(d) for d in (BASE, OTHER)])) == []
    assert find_groups(np.zeros((0, 64), dtype=np.uint32)) == []


def test_online_index_points_to_the_earliest_duplicate(hasher):
    index = DuplicateIndex(threshold=0.7)
    assert index.add("a", hasher.signature(BASE)) is None
    assert index.add("b", hasher.signature(OTHER)) is None
    assert index.add("c", hasher.signature(BASE[:-1])) == "a"
    assert index.add("d", hasher.signature(BASE)) == "a"


import json

from typer.testing import CliRunner

from cli import app
from conftest import make_post, records

runner = CliRunner()
STORY = "<p>" + "，".join(["国务院常务会议部署稳定就业的政策措施"] + [f"第{i}项措施要求加大对中小微企业的支持力度" for i in range(12)]) + "。</p>"


@pytest.fixture()
def crawl(tmp_path):
    folder = tmp_path / "crawl"
    folder.mkdir()
    (folder / "a.md").write_text(make_post(title="稳就业措施出台", body=STORY), "utf-8")
    (folder / "b.md").write_text(make_post(title="转载：稳就业措施出台", body=STORY.replace("第11项", "最后一项")), "utf-8")
    (folder / "c.md").write_text(make_post(title="女排联赛", body="<p>女排联赛本周进入第二阶段，主教练大胆轮换阵容。</p>"), "utf-8")
    return folder


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_cli_dedup_writes_groups(crawl, tmp_path, jobs):
    (crawl / "broken.md").write_bytes(b"\x00\x01binary")
    out = tmp_path / "groups.jsonl"
    result = runner.invoke(app, ["dedup", str(crawl), "-o", str(out), "--jobs", jobs])
    assert result.exit_code == 0, result.output
    assert "among 3 articles (1 unreadable)" in result.output
    [group] = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert group["size"] == 2 and [m["id"] for m in group["members"]] == ["a", "b"]
    assert group["members"][0]["similarity"] == 1.0 and group["members"][1]["similarity"] >= 0.5


def test_annotate_dedup_adds_duplicate_of_before_extra(crawl):
    from nlp.pipeline import load_schema
    import jsonschema

    result = runner.invoke(app, ["annotate", str(crawl), "--dedup", "--model", "none"])
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [r["duplicate_of"] for r in records] == [None, "a", None]
    assert list(records[1])[-2:] == ["duplicate_of", "extra"]
    for record in records:
        jsonschema.validate(record, load_schema())


def test_report_dedup_counts_each_story_once(crawl, tmp_path):
    out = tmp_path / "r.json"
    runner.invoke(app, ["report", str(crawl), "-o", str(out), "--model", "none", "--dedup"])
    facts = json.loads(out.read_text("utf-8"))["facts"]
    assert facts["articles"] == 2 and facts["near_duplicates_skipped"] == 1


def test_train_dedup_removes_near_duplicates(tmp_path):
    from nlp.jobs.dedup import drop_near_duplicates

    docs = ["甲 乙 丙 丁 戊 己 庚 辛", "甲 乙 丙 丁 戊 己 庚 壬", "子 丑 寅 卯 辰 巳 午 未"]
    kept, labels, removed = drop_near_duplicates(docs, ["x", "x", "y"])
    assert (kept, labels, removed) == ([docs[0], docs[2]], ["x", "y"], 1)


def test_annotation_signs_articles_only_when_asked(crawl):
    from nlp.pipeline import Pipeline
    from nlp.io.readers import read_articles
    from nlp.settings import Settings

    articles = list(read_articles([crawl]))
    assert all(doc.signature is None for doc in Pipeline(Settings()).annotate_batch(articles))
    signed = Pipeline(Settings(signatures=True)).annotate_batch(articles)
    assert all(len(doc.signature) == 64 for doc in signed)
    assert all("signature" not in record and "_signature" not in record for record in records(signed))


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_annotate_dedup_is_the_same_for_any_number_of_jobs(crawl, jobs):
    result = runner.invoke(app, ["annotate", str(crawl), "--dedup", "--model", "none", "--jobs", jobs])
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [r["duplicate_of"] for r in records] == [None, "a", None]
    assert not any("_signature" in r for r in records)
