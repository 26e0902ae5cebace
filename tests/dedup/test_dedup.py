import numpy as np
import pytest

from nlp.dedup.minhash import WIDTH, DuplicateIndex, MinHasher, containment, find_groups, similarity

BASE = "国务院 常务 会议 日前 召开 会议 部署 进一步 稳定 和 扩大 就业 的 政策措施 要求 加大 对 中小微 企业 的 支持 力度".split()
OTHER = "女排 联赛 本周 进入 第二 阶段 主教练 在 比赛 中 大胆 轮换 阵容 多名 年轻 队员 首次 首发 登场".split()


@pytest.fixture(scope="module")
def hasher():
    return MinHasher()


def test_identical_token_sequences_have_identical_signatures(hasher):
    assert similarity(hasher.signature(BASE), hasher.signature(list(BASE))) == 1.0
    assert hasher.signature(BASE).dtype == np.uint32 and len(hasher.signature(BASE)) == WIDTH


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
    assert all(len(doc.signature) == WIDTH for doc in signed)
    assert all("signature" not in record and "_signature" not in record for record in records(signed))


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_annotate_dedup_is_the_same_for_any_number_of_jobs(crawl, jobs):
    result = runner.invoke(app, ["annotate", str(crawl), "--dedup", "--model", "none", "--jobs", jobs])
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [r["duplicate_of"] for r in records] == [None, "a", None]
    assert not any("_signature" in r for r in records)


# Issue 15 item 13: a teaser (a story's lead, re-posted by another feed) is the same story.
WORDS = ("央行 宣布 下调 存款 准备金率 释放 长期 资金 银行 利率 储户 理财 收益 减少 上市 公司 年报 净利润 同比 增长 "
         "股市 指数 收涨 成交额 突破 国债 收益率 下行 债券 基金 净值 上涨 保险 养老 产品 稳健 外汇 储备 规模 稳定 "
         "人民币 汇率 升值 券商 分析师 上调 板块 评级 看好 利润").split()


def _story(seed: int, n: int = 400) -> list[str]:
    rng = np.random.default_rng(seed)
    return [WORDS[i] for i in rng.integers(0, len(WORDS), size=n)]


STORY_TOKENS, OTHER_STORY = _story(1), _story(2)
TEASER = ["快讯", "："] + STORY_TOKENS[:60]  # its own title word, then the story's lead


def test_a_teaser_is_contained_in_its_story_though_their_jaccard_is_low(hasher):
    story, teaser, other = (hasher.signature(t) for t in (STORY_TOKENS, TEASER, OTHER_STORY))
    assert similarity(story, teaser) < 0.3
    assert containment(story, teaser) >= 0.7 and containment(teaser, story) >= 0.7
    assert containment(story, other) < 0.3 and containment(teaser, hasher.signature(OTHER_STORY[:60])) < 0.3


def test_texts_too_short_to_tell_are_never_contained(hasher):
    assert containment(hasher.signature(STORY_TOKENS), hasher.signature(STORY_TOKENS[:8])) == 0.0


@pytest.mark.parametrize("contained, expected", [(0.7, [(0, 2)]), (None, [])])
def test_groups_join_a_teaser_and_its_story_unless_containment_is_off(hasher, contained, expected):
    docs = [STORY_TOKENS, OTHER_STORY, TEASER]
    groups = find_groups(np.array([hasher.signature(d) for d in docs]), containment=contained)
    assert [g.members for g in groups] == expected
    if expected:
        assert groups[0].similarities[1] < 0.3 and groups[0].containments[1] >= 0.7


@pytest.mark.parametrize("order", [(STORY_TOKENS, TEASER), (TEASER, STORY_TOKENS)])
def test_online_index_marks_a_teaser_and_its_story_either_way_round(hasher, order):
    index = DuplicateIndex()
    assert index.add("first", hasher.signature(order[0])) is None
    assert index.add("other", hasher.signature(OTHER_STORY)) is None
    assert index.add("second", hasher.signature(order[1])) == "first"


LONG_STORY = "".join(f"<p>{s}</p>" for s in [
    "国务院常务会议日前召开，部署进一步稳定和扩大就业的政策措施，要求加大对中小微企业的支持力度。",
    "会议指出，就业是最大的民生，各地要落实减税降费政策，帮助企业渡过难关，稳住现有岗位。",
    "会议要求，金融机构对受影响较大的行业延期还本付息，提高普惠小微贷款的比例，降低融资成本。",
    "会议强调，高校毕业生就业工作要早谋划，扩大基层岗位招募，鼓励企业吸纳应届毕业生和失业青年。",
    "会议决定，阶段性减免社会保险费的政策延续到年底，对不裁员或少裁员的企业继续发放稳岗补贴。",
    "专家认为，这一系列措施释放了稳就业的积极信号，有助于稳定市场预期，增强经营主体的信心。",
    "多地人社部门表示，将尽快出台配套细则，开展线上线下招聘活动，做好困难群体的兜底帮扶工作。",
    "有企业负责人表示，稳岗补贴和贷款延期缓解了资金压力，公司今年计划新招收两百名员工。",
])


def _teaser_crawl(tmp_path):
    folder = tmp_path / "crawl"
    folder.mkdir()
    (folder / "a_full.md").write_text(make_post(title="国常会部署稳就业措施", body=LONG_STORY), "utf-8")
    lead = "国务院常务会议日前召开，部署进一步稳定和扩大就业的政策措施，要求加大对中小微企业的支持力度。"
    (folder / "b_teaser.md").write_text(make_post(title="【电报】国常会：稳就业", body=f"<p>{lead}</p>"), "utf-8")
    (folder / "c_other.md").write_text(make_post(title="女排联赛", body="<p>女排联赛本周进入第二阶段，主教练大胆轮换阵容，"
                                                 "多名年轻队员首次首发登场，球队取得三连胜。</p>"), "utf-8")
    return folder


def _dedup_groups(tmp_path, *options):
    out = tmp_path / "groups.jsonl"
    result = runner.invoke(app, ["dedup", str(_teaser_crawl(tmp_path)), "-o", str(out), *options])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in out.read_text("utf-8").splitlines()]


def test_cli_dedup_groups_a_teaser_with_its_full_story(tmp_path):
    [group] = _dedup_groups(tmp_path)
    assert [m["id"] for m in group["members"]] == ["a_full", "b_teaser"]
    assert group["members"][1]["similarity"] < 0.5 <= group["members"][1]["containment"]


def test_cli_dedup_jaccard_only_keeps_a_teaser_apart(tmp_path):
    assert _dedup_groups(tmp_path, "--jaccard-only") == []


def test_cli_dedup_threshold_option_groups_by_jaccard_alone(tmp_path):
    [group] = _dedup_groups(tmp_path, "--jaccard-only", "--threshold", "0.05")
    assert [m["id"] for m in group["members"]] == ["a_full", "b_teaser"]
