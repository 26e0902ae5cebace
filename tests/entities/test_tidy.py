"""The rules over the character model's spans (nlp.entities.tidy), on hand-written web text."""

import pytest

from nlp.entities.tidy import tidy


def spans_of(text, pieces):
    """(start, end, type) of each (piece, type), found left to right."""
    out, cursor = [], 0
    for piece, kind in pieces:
        start = text.index(piece, cursor)
        out.append((start, start + len(piece), kind))
        cursor = start + len(piece)
    return out


def texts(text, spans):
    return [(text[a:b], kind) for a, b, kind in tidy(text, spans)]


@pytest.mark.parametrize("text, cut, whole", [
    ("显卡厂商NVIDIA发布新驱动", "NVID", "NVIDIA"),
    ("开源项目PicHome发布新版", "icHome", "PicHome"),
    ("新版Aeraki Mesh支持网格", "Aeraki Me", "Aeraki Mesh"),
])
def test_a_cut_latin_word_becomes_the_whole_word(text, cut, whole):
    assert texts(text, spans_of(text, [(cut, 1)])) == [(whole, 1)]


@pytest.mark.parametrize("text, found, kept", [
    ("玩家期待Chivalry 2）的更新", "Chivalry 2）", "Chivalry 2"),
    ("（Shadow of the Tomb Raider 即将推出", "（Shadow of the Tomb Raider", "Shadow of the Tomb Raider"),
    ("▲ 谷歌山景城大楼外景", "▲ 谷歌山景城大楼", "谷歌山景城大楼"),
    ("据报道，华为，今天发布", "华为，", "华为"),
    ("（唐贵江 关悦）广州海关查获矿砂", "（唐贵江 关悦）广州海关", "广州海关"),  # a bracketed aside before the name
    ("(记者 王磊)华为公司发布", "(记者 王磊)华为公司", "华为公司"),
])
def test_what_a_name_does_not_hold_at_its_ends_is_trimmed(text, found, kept):
    assert texts(text, spans_of(text, [(found, 0)])) == [(kept, 0)]


@pytest.mark.parametrize("text, found", [
    ("（WillWright）是设计师", "（WillWright）"),  # a wrapped pair: CLUENER's gold keeps it
    ("他读了《三体》后", "《三体》"),
    ("他玩过星际争霸》一代", "星际争霸》"),  # half a book-title pair, as CLUENER's gold often has it
    ("C++之父访华", "C++"),
    ("他在北京Google总部", "北京"),  # Han at both ends: the Latin word beside it is not taken in
    ("位于上海，浦东的园区", "上海，浦东"),  # punctuation inside a span is not trimmed
])
def test_pairs_and_title_marks_are_kept(text, found):
    assert texts(text, spans_of(text, [(found, 0)])) == [(found, 0)]


@pytest.mark.parametrize("text, found", [
    ("调用 TcpTransport.run() 出错", "TcpTransport.run()"),
    ("参数 max_retry_count 默认为三", "max_retry_count"),
    ("日志 org.apache.activemq 报错", "org.apache.activemq"),
    ("合作伙伴\n华为公司", "伙伴\n华为公司"),
    ("字段存在用户_订单表里", "用户_订单表"),  # Han at both ends, code inside
])
def test_code_and_spans_across_a_line_are_dropped(text, found):
    assert tidy(text, spans_of(text, [(found, 1)])) == []


def test_one_type_per_string_in_a_text_the_most_frequent_first_on_a_tie():
    text = "马斯克称，马斯克认为，马斯克表示；谷歌与谷歌"
    found = spans_of(text, [("马斯克", 0), ("马斯克", 2), ("马斯克", 0), ("谷歌", 1), ("谷歌", 2)])
    assert [kind for _, _, kind in tidy(text, found)] == [0, 0, 0, 1, 1]


def test_spans_stay_in_reading_order_without_overlap():
    text = "Intel和AMD"
    assert tidy(text, [(0, 3, 1), (3, 5, 1), (6, 9, 1)]) == [(0, 5, 1), (6, 9, 1)]


PERSON = 2


@pytest.mark.parametrize("text, found, kept", [
    ("记者周翔就此事采访了专家", [("周翔就", PERSON)], [("周翔", PERSON)]),  # a function word after the name
    ("王丽说，王丽站在门口，王丽笑了", [("王丽", PERSON), ("王丽站", PERSON), ("王丽", PERSON)],
     [("王丽", PERSON), ("王丽", PERSON), ("王丽", PERSON)]),  # one character more than a more frequent name
    ("特斯拉和特斯的名字", [("特斯拉", PERSON), ("特斯", PERSON)], [("特斯拉", PERSON), ("特斯", PERSON)]),  # as often: kept
    ("张三丰在武当山", [("张三丰", PERSON)], [("张三丰", PERSON)]),
    ("周翔就读于北京大学", [("周翔就", 1)], [("周翔就", 1)]),  # not a person's type: the rule leaves it
])
def test_a_person_name_loses_what_follows_it_in_the_sentence(text, found, kept):
    assert [(text[a:b], k) for a, b, k in tidy(text, spans_of(text, found), PERSON)] == kept


def test_without_a_person_type_names_are_left_alone():
    text = "记者周翔就此事采访了专家"
    assert texts(text, spans_of(text, [("周翔就", PERSON)])) == [("周翔就", PERSON)]


@pytest.mark.parametrize("types, expected", [
    (["org", "game", "game"], ["game", "game", "game"]),  # the type given most often, over title and text
    (["org", "game"], ["org", "org"]),  # a tie: the first
    (["org", "org"], ["org", "org"]),
])
def test_one_type_per_article_across_title_and_text(types, expected):
    from nlp.doc import Entity
    from nlp.entities.tidy import one_type_per_article

    fields = ["title"] + ["text"] * (len(types) - 1)
    found = [Entity("Aeraki Mesh", kind, 4 * k, 4 * k + 11, field) for k, (kind, field) in enumerate(zip(types, fields))]
    other = Entity("华为", "company", 40, 42, "text")
    out = one_type_per_article(found + [other])
    assert [e.type for e in out[:-1]] == expected and out[-1] == other
    assert [(e.start, e.end, e.field) for e in out[:-1]] == [(e.start, e.end, e.field) for e in found]
