"""Shared fixtures: hand-written micro-corpora (never real articles) and a tiny trained model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.pipeline import Pipeline
from nlp.classify.training import TrainOptions, train
from nlp.settings import Settings

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEED = SHARED / "seeds" / "000_b5dfc0e493b361d9.txt"

# Eight short hand-written texts per class.
LABELLED = {
    "体育": [
        "主队在主场以三比一战胜客队，前锋梅开二度",
        "篮球联赛季后赛首轮，卫冕冠军客场险胜",
        "马拉松比赛吸引两万名跑者参加，冠军打破赛会纪录",
        "女排在世界杯比赛中击败对手，取得三连胜",
        "游泳队在锦标赛上获得两枚金牌，教练称赞队员发挥",
        "足球俱乐部宣布签下新前锋，转会费创下纪录",
        "乒乓球公开赛决赛，年轻选手逆转夺冠",
        "网球名将因伤退出比赛，将缺席下一站赛事",
    ],
    "财经": [
        "央行宣布下调存款准备金率，释放长期资金",
        "银行下调存款利率，储户理财收益减少",
        "上市公司发布年报，净利润同比增长两成",
        "股市三大指数集体收涨，成交额突破万亿元",
        "国债收益率下行，债券基金净值上涨",
        "保险公司推出新的养老理财产品，收益稳健",
        "外汇储备规模保持稳定，人民币汇率小幅升值",
        "券商分析师上调银行板块评级，看好利润增长",
    ],
    "科技": [
        "手机厂商发布新款折叠屏手机，搭载旗舰芯片",
        "人工智能大模型开放测试，支持多轮对话",
        "芯片企业推出新一代处理器，性能提升三成",
        "电动汽车电池技术突破，续航里程超过一千公里",
        "软件公司发布操作系统更新，修复多个安全漏洞",
        "卫星互联网完成组网测试，网络延迟明显降低",
        "量子计算机原型机实现新的算法演示",
        "科研团队研发新型电池材料，充电速度加快",
    ],
}


def labelled_pairs() -> tuple[list[str], list[str]]:
    texts = [t for label in sorted(LABELLED) for t in LABELLED[label]]
    labels = [label for label in sorted(LABELLED) for _ in LABELLED[label]]
    return texts, labels


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def pipeline(settings) -> Pipeline:
    return Pipeline(settings)


@pytest.fixture(scope="session")
def tiny_model(pipeline):
    from nlp.doc import Article

    texts, labels = labelled_pairs()
    docs = [pipeline.document(Article(id=str(i), source="t", body=t, is_html=False)) for i, t in enumerate(texts)]
    return train(docs, labels, TrainOptions(min_df=1, holdout=0.0))


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_model, tmp_path_factory) -> Path:
    from nlp.classify import modelio

    directory = tmp_path_factory.mktemp("models") / "tiny"
    modelio.save(tiny_model, directory)
    return directory


@pytest.fixture()
def labelled_jsonl(tmp_path) -> Path:
    texts, labels = labelled_pairs()
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps({"text": t, "label": l}, ensure_ascii=False) + "\n" for t, l in zip(texts, labels)),
                    encoding="utf-8")
    return path


def make_post(title: str = "测试标题", body: str = "<div>\n<p>　　正文第一段。</p>\n</div>", *,
              date: str = "Sat, 30 Jul 2022 08:20:42 GMT", old_variant: bool = False,
              categories: tuple[str, ...] = ("金融", "新浪财经", "新浪财经－国內")) -> str:
    """A post in the crawler's format: blank first line, front matter, HTML body."""
    indent = "    " if old_variant else " "
    cats = "".join(f"{indent}- {c}\n" for c in categories)
    quoted = "'" + title.replace("'", "''") + "'"
    head = "" if old_variant else "headimg: 'https://picsum.photos/400/300?random=1'\n"
    blank = "\n" if old_variant else ""
    return (f"\n---\ntitle: {quoted}\ncategories: \n{cats}{head}{blank}author: {categories[1]}\ncomments: false\n"
            f"date: {date}\nthumbnail: 'https://picsum.photos/400/300?random=1'\n---\n\n{body}")


@pytest.fixture()
def write_post(tmp_path):
    def write(name: str = "post.md", **kwargs) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(make_post(**kwargs), encoding="utf-8")
        return path

    return write


def records(items) -> list[dict]:
    """The JSON records of documents and failures (what annotate writes)."""
    return [item.to_dict() for item in items]
