import jsonschema
import pytest

from nlp import SCHEMA_VERSION

from conftest import make_post, records
from nlp.doc import to_json_line
from nlp.pipeline import Pipeline, load_schema
from nlp.doc import Article, Failure
from nlp.io.readers import read_articles
from nlp.jobs.runner import annotate_records
from nlp.settings import Settings

SCHEMA = load_schema()
REQUIRED = ["schema_version", "id", "source", "title", "date", "categories", "author", "editor", "language", "text",
            "stats", "keywords", "entities", "category", "model"]

BODY = ("<div>\n<p>　　芯片企业发布新一代处理器，芯片性能提升三成，处理器功耗下降。</p>\n"
        "<p>　　分析人士认为，国产芯片产业链正在完善。</p>\n<p class=\"article-editor\">责任编辑：赵六 </p>\n</div>")


@pytest.fixture()
def article():
    return Article(id="a1", source="a1.md", title="新一代芯片发布", body=BODY, date="2022-07-30T08:20:42+00:00",
                   categories=("数码", "IT 之家", "资讯"), author="IT 之家", extra={"headimg": "x"})


def test_annotation_has_every_key_in_order_and_matches_the_schema(article, tiny_model):
    [record] = records(Pipeline(Settings(), tiny_model).annotate_batch([article]))
    assert list(record)[: len(REQUIRED)] == REQUIRED
    jsonschema.validate(record, SCHEMA)
    assert record["editor"] == "赵六" and "责任编辑" not in record["text"]
    assert record["keywords"][0]["word"] == "芯片"
    assert record["category"]["label"] == "科技"
    assert record["model"]["version"] == tiny_model.card.get("version", "")
    assert record["stats"]["chars"] == len(record["text"]) and record["stats"]["tokens"] > 10
    assert record["extra"] == {"headimg": "x"}


def test_without_a_model_category_and_model_are_null(article):
    [record] = records(Pipeline(Settings()).annotate_batch([article]))
    assert record["category"] is None and record["model"] is None
    jsonschema.validate(record, SCHEMA)


@pytest.mark.parametrize("method", ["combined", "tfidf", "textrank"])
def test_top_k_and_method(article, method):
    [record] = records(Pipeline(Settings(method=method, top_k=3)).annotate_batch([article]))
    assert len(record["keywords"]) == 3 and record["keywords"][0]["word"] == "芯片"


def test_failures_become_error_records_in_place(article):
    failure = Failure("bad", "bad.md", "InputError", "binary file (not text)")
    out = records(Pipeline(Settings()).annotate_batch([failure, article]))
    assert out[0] == {"schema_version": SCHEMA_VERSION, "id": "bad", "source": "bad.md",
                      "error": {"type": "InputError", "message": "binary file (not text)"}}
    jsonschema.validate(out[0], SCHEMA)
    assert out[1]["id"] == "a1"


def test_json_lines_are_utf8_without_escapes_and_one_line(article):
    line = to_json_line(records(Pipeline(Settings()).annotate_batch([article]))[0])
    assert line.endswith("\n") and line.count("\n") == 1 and "芯片" in line and "\\u" not in line


def test_same_bytes_for_any_number_of_jobs(tmp_path, tiny_model_dir):
    for i in range(7):
        (tmp_path / f"{i}.md").write_text(make_post(title=f"第{i}篇", body=BODY.replace("三成", f"{i}成")), "utf-8")
    (tmp_path / "bad.md").write_bytes(b"\x00\x01")

    def run(jobs):
        items = annotate_records(read_articles([tmp_path]), Settings(), tiny_model_dir, jobs=jobs, chunk_size=2)
        return "".join(to_json_line(r) for r in records(items))

    one = run(1)
    assert one == run(2) == run(1)
    assert one.count("\n") == 8 and '"error"' in one


# Hand-written articles of different shapes: the batch must give each the keywords it gets alone.
BATCH_TEXTS = [
    ("算力网络建设提速", "各地加快算力网络建设。算力网络连接数据中心，数据中心规模持续扩大。"),
    ("", "只有正文：新能源汽车销量增长，新能源汽车企业扩大产能。"),
    ("标题里没有正文", ""),
    ("", ""),
    ("GPU 芯片供不应求", "AI 训练需要大量 GPU 芯片。芯片厂商 Nvidia 表示，GPU 芯片交付周期延长。"),
]


@pytest.mark.parametrize("method", ["combined", "tfidf", "textrank"])
def test_a_batch_gives_every_article_the_keywords_it_gets_alone(method):
    one = Pipeline(Settings(method=method))
    docs = [one.segment(title, body) for title, body in BATCH_TEXTS]
    alone = [one.keywords_batch([doc])[0] for doc in docs]
    assert one.keywords_batch(docs) == alone
    assert one.keywords_batch(docs[::-1]) == alone[::-1]
    assert any(alone) and alone[3] == []


@pytest.mark.parametrize("method", ["combined", "tfidf", "textrank"])
def test_top_k_zero_turns_keyword_extraction_off(method, monkeypatch):
    pipeline = Pipeline(Settings(method=method, top_k=0))
    docs = [pipeline.segment(title, body) for title, body in BATCH_TEXTS]
    monkeypatch.setattr("nlp.pipeline.TokenBatch.of", lambda *a, **k: pytest.fail("keywords were extracted"))
    monkeypatch.setattr("nlp.pipeline.tfidf", lambda *a, **k: pytest.fail("keywords were extracted"))
    assert pipeline.keywords_batch(docs) == [[] for _ in docs]


@pytest.mark.parametrize("card_has_languages", [True, False])
def test_articles_in_a_language_the_model_never_saw_get_no_label(tiny_model, card_has_languages):
    from nlp.classify.model import Model

    assert tiny_model.card["languages"] == {"zh-Hans": tiny_model.card["n_train"]}
    model = tiny_model if card_has_languages else Model(tiny_model.pipeline, {"name": "old"})
    english = Article(id="e", source="e", title="Match report",
                      body="The striker scored twice and the team won the final of the season.", is_html=False)
    chinese = Article(id="c", source="c", title="球队获胜", body="前锋在比赛中进球，球队获胜。", is_html=False)
    english_record, chinese_record = records(Pipeline(Settings(), model).annotate_batch([english, chinese]))
    assert english_record["language"] == "en" and len(english_record["category"]["top"]) == 3
    assert (english_record["category"]["label"] is None) is card_has_languages
    assert chinese_record["category"]["label"] == "体育"


@pytest.mark.parametrize("where", ["source tree", "installed", "nowhere"])
def test_the_default_model_is_found_in_a_source_tree_and_in_a_regular_install(tmp_path, where):
    from nlp.pipeline import INSTALLED_MODEL_DIR, default_model_dir

    source, prefix = tmp_path / "src", tmp_path / "prefix"
    place = {"source tree": source / "models" / "default", "installed": prefix / INSTALLED_MODEL_DIR}.get(where)
    if place:
        place.mkdir(parents=True)
        (place / "model.json").write_text("{}", "utf-8")
    assert default_model_dir(source_root=source, prefix=prefix) == place


ENTITY_ARTICLES = [
    Article(id="s", source="s", title="华为公司在深圳发布新手机", body="华为公司总裁张明表示，深圳的工厂将扩大生产。", is_html=False),
    Article(id="t", source="t", title="台積電擴大在臺灣的投資", body="台積電董事長劉德音表示，公司將在臺灣新竹興建工廠。", is_html=False),
]


@pytest.mark.parametrize("article", ENTITY_ARTICLES, ids=["simplified", "traditional"])
def test_entities_point_into_their_field_in_the_article_s_own_characters(article):
    [doc] = Pipeline(Settings(top_k=0)).annotate_batch([article])
    assert doc.entities and {e.field for e in doc.entities} <= {"title", "text"}
    for entity in doc.entities:
        source = doc.title if entity.field == "title" else doc.text
        assert source[entity.start:entity.end] == entity.text
    titles = [e for e in doc.entities if e.field == "title"]
    assert doc.entities[: len(titles)] == tuple(titles)  # the title's first, then reading order
    assert [e.start for e in doc.entities[len(titles):]] == sorted(e.start for e in doc.entities[len(titles):])
    jsonschema.validate(doc.to_dict(), SCHEMA)


def test_the_entity_stage_can_be_turned_off():
    [doc] = Pipeline(Settings(top_k=0, entities=False)).annotate_batch(ENTITY_ARTICLES[:1])
    assert doc.entities == () and doc.to_dict()["entities"] == []


class _Spans:
    """A stand-in recognizer: the spans it is given, whatever the text."""

    segmentation = "rjieba"  # as a model that reads the segmentation of its engine

    def __init__(self, *spans):
        self.given = spans
        self.types = tuple(dict.fromkeys(kind for _, _, kind in spans))
        self.read: list[tuple[str, tuple]] = []  # (text, tokens) of each call

    def spans(self, text, tokens=None):
        self.read.append((text, tokens))
        return [(a, b, self.types.index(kind)) for a, b, kind in self.given if b <= len(text)]


@pytest.mark.parametrize("spans, expected", [
    ([(0, 7, "company")], [("Google", 0, 6)]),          # a trailing space is not part of the name
    ([(6, 7, "company")], []),                         # only white space: no entity
    ([(6, 11, "name")], [("Sun", 7, 10)]),           # white space on both sides
])
def test_entity_spans_lose_white_space_at_their_ends(spans, expected):
    pipeline = Pipeline(Settings(top_k=0))
    pipeline.__dict__["recognizer"] = _Spans(*spans)
    [doc] = pipeline.annotate_batch([Article(id="g", source="g", title="", body="Google Sun 发布新品", is_html=False)])
    assert [(e.text, e.start, e.end) for e in doc.entities if e.field == "text"] == expected


@pytest.mark.parametrize("title, body, check", [
    ("Donations", "Donations, donations and more donations. A donation, another donation; every donation counts.",
     lambda words: words[0] == "Donations" and not {"donation", "donations"} & set(words[1:])),  # both were kept
    ("Lũ lụt miền Trung", "Người dân miền Trung quyên góp tiền cho vùng lũ, các khoản đóng góp tăng nhanh.",
     lambda words: words == []),
])
def test_non_chinese_articles_get_whole_word_keywords_or_none(title, body, check):
    [doc] = Pipeline(Settings()).annotate_batch([Article(id="x", source="x", title=title, body=body, is_html=False)])
    assert check([k.word for k in doc.keywords]), doc.keywords


def test_entities_are_found_before_keywords_which_read_them_in_the_analysed_reading():
    pipeline = Pipeline(Settings())
    names = [stage.__name__ for stage in pipeline.stages()]
    assert names.index("add_entities") < names.index("add_keywords")
    pipeline.__dict__["recognizer"] = _Spans((0, 3, "company"), (3, 5, "address"))
    [doc] = pipeline.annotate_batch([ENTITY_ARTICLES[1]])  # Traditional: 台積電 is read as 台积电
    assert [(e.text, e.field) for e in doc.entities[:2]] == [("台積電", "title"), ("擴大", "title")]
    assert pipeline.mentions(doc)[:2] == [("台积电", "ORG"), ("扩大", "LOC")]
    doc.entities = ()
    assert pipeline.mentions(doc) == []


@pytest.mark.parametrize("engine, user_dict, shared", [
    ("rjieba", False, True),
    ("jieba", False, False),  # another engine's tokens
    ("rjieba", True, False),  # a user dictionary changes the words the model was trained on
])
def test_the_entity_model_reads_the_pipelines_own_tokens_of_the_analysed_reading_under_its_engine(
        engine, user_dict, shared, tmp_path):
    user_dicts = ()
    if user_dict:
        (tmp_path / "user.txt").write_text("台积电扩大 10 nt\n", "utf-8")
        user_dicts = (tmp_path / "user.txt",)
    pipeline = Pipeline(Settings(top_k=0, engine=engine, user_dicts=user_dicts))
    pipeline.__dict__["recognizer"] = stub = _Spans((0, 3, "company"))
    [doc] = pipeline.annotate_batch([ENTITY_ARTICLES[1]])  # Traditional: segmented in Simplified characters
    (title, title_tokens), (text, text_tokens) = stub.read
    assert (title, text) == pipeline.analysed_text(doc) and title.startswith("台积电")
    if shared:
        assert (title_tokens, text_tokens) == (doc.tokens.title, doc.tokens.body)
        assert "".join(word for word, _ in text_tokens) == text
    else:  # tokens unlike the model's: it segments the text itself, as in training
        assert (title_tokens, text_tokens) == (None, None)
