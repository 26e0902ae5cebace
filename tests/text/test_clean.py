import json

import pytest

from nlp.text.clean import Cleaner, CleaningRules
from nlp.errors import ConfigError


@pytest.fixture(scope="module")
def cleaner():
    return Cleaner(CleaningRules.load())


SINA_LIKE = """<div>   
<p>　　第一段<font cms-style="strong-Bold">加粗部分</font>继续。</p>
<p>　　第二段&#123;花括号&#125;与&amp;符号。</p>
<div class="img_wrapper"><img src="https://e.x/a.jpg"><span class="img_descr"></span></div>
<script>var a = 1;</script><!-- 正文下iframe -->
<style>.appendQr_wrap&#123;border:1px;&#125;</style>
<div class="clearfix appendQr_wrap"><div class="appendQr_normal_txt">海量资讯、精准解读，尽在新浪财经APP</div></div>
<p class="article-editor">责任编辑：郭某 </p>
</div>   """


def test_sina_like_body(cleaner):
    result = cleaner.clean(SINA_LIKE, is_html=True)
    assert result.text == "第一段加粗部分继续。\n第二段{花括号}与&符号。"
    assert result.editor == "郭某"


@pytest.mark.parametrize(
    "body, expected",
    [
        ("<p>甲</p><p>乙</p>", "甲\n乙"),
        ("甲<br>乙<br/>丙", "甲\n乙\n丙"),
        ("<ul><li>一</li><li>二</li></ul>", "一\n二"),
        ("<p>a" + " " * 60 + "b</p>", "a b"),
        ("<p>　　缩进　文字\u00a0空格</p>", "缩进 文字 空格"),
        ("<p>零\u200b宽</p>", "零宽"),
        ("<p>双重转义&amp;#123;x&amp;#125;</p>", "双重转义{x}"),
        ("<div><iframe src='x'></iframe><img src='y'></div>", ""),
        ("<p hidden>隐藏</p><p>可见</p>", "可见"),
    ],
)
def test_html_to_clean_text(cleaner, body, expected):
    assert cleaner.clean(body, is_html=True).text == expected


@pytest.mark.parametrize(
    "line",
    ["文章纠错", "话题标签：游戏", "编者按：本文来自微信公众号“某号”，作者：某人，36氪经授权发布。", "查看知乎原文", "查看知乎讨论",
     "注：本文部分图片来自网络，如有侵权请联系删除。"],
)
def test_per_source_boilerplate_lines_are_dropped(cleaner, line):
    assert cleaner.clean(f"正文内容。\n{line}", is_html=False).text == "正文内容。"


@pytest.mark.parametrize("tail", ["（责任编辑：王强）", "责任编辑：王强", "(责任编辑:王强)", "责任编辑：王强 SF055"])
def test_editor_is_taken_out_of_the_text(cleaner, tail):
    result = cleaner.clean(f"<p>正文。</p><p>{tail}</p>", is_html=True)
    assert (result.text, result.editor) == ("正文。", "王强")


@pytest.mark.parametrize("lead, text, editor", [
    ("某某社上海8月31日讯（编辑 张三丰）据报道，", "某某社上海8月31日讯据报道，", "张三丰"),
    ("某某社8月17日讯(编辑：李四)据报道，", "某某社8月17日讯据报道，", "李四"),
    ("某某社（北京，记者 王五）讯，据报道，", "某某社（北京，记者 王五）讯，据报道，", None),  # a reporter stays in the text
])
def test_an_editor_named_in_a_wire_dateline_is_taken_out(cleaner, lead, text, editor):
    result = cleaner.clean(f"<p>{lead}</p>", is_html=True)
    assert (result.text, result.editor) == (text, editor)


PAGE = ("<html><body><header><nav><a>首页</a><a>财经</a></nav></header><aside>热门排行 明星演唱会</aside>"
        "{story}<footer>版权所有 关于我们</footer></body></html>")


@pytest.mark.parametrize("story, expected", [
    ("<article><h1>银行下调利率</h1><p>多家银行下调存款利率。</p></article>", "银行下调利率\n多家银行下调存款利率。"),
    ("<main><p>多家银行下调存款利率。</p></main>", "多家银行下调存款利率。"),
    ("<article><p>相关阅读</p></article><article><p>多家银行下调存款利率，储户关注理财。</p></article>",
     "多家银行下调存款利率，储户关注理财。"),  # several: the one with the most text
    ("<div><p>多家银行下调存款利率。</p></div>", "多家银行下调存款利率。"),  # neither: the page minus its chrome
])
def test_a_web_page_is_reduced_to_its_story(cleaner, story, expected):
    assert cleaner.clean(PAGE.format(story=story), is_html=True).text == expected


def test_plain_text_bodies_are_normalised_and_entities_decoded(cleaner):
    result = cleaner.clean("　　第一段&#123;x&#125;。\n\n\n　　第二段。   ", is_html=False)
    assert result.text == "第一段{x}。\n第二段。"


def test_deeply_nested_html_does_not_overflow(cleaner):
    depth = 20000
    body = "<div>" * depth + "深处的文字" + "</div>" * depth
    assert cleaner.clean(body, is_html=True).text == "深处的文字"


def test_user_rules_extend_the_bundled_ones(tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"drop_selectors": [".ad"], "drop_lines": ["^更多精彩.*$"]}, ensure_ascii=False), "utf-8")
    cleaner = Cleaner(CleaningRules.load([rules]))
    text = cleaner.clean("<p>正文</p><div class='ad'>广告</div><p>更多精彩请关注</p><p>文章纠错</p>", is_html=True).text
    assert text == "正文"


@pytest.mark.parametrize(
    "content, message",
    [("not json", "invalid JSON"), ('{"drop_lines": "x"}', "must be a list"), ('{"drop_lines": ["("]}', "invalid regular"),
     ('{"editor_patterns": ["编辑：(.+)"]}', "no \\(\\?P<editor>")],
)
def test_bad_rule_files_fail_clearly(tmp_path, content, message):
    rules = tmp_path / "rules.json"
    rules.write_text(content, "utf-8")
    with pytest.raises(ConfigError, match=message):
        CleaningRules.load([rules])


# Issue 15 item 9: leftovers that real re-posts carry (texts written for these tests).
@pytest.mark.parametrize("body, title, text, metadata", [
    ("原标题：湖边新开一家书店，市民排队入场\n书店周末开业。\n店主说会办读书会。", "湖边书店开业",
     "书店周末开业。\n店主说会办读书会。", {"original_title": "湖边新开一家书店，市民排队入场"}),
    ("来源：某某经济日报\n书店周末开业。", "", "书店周末开业。", {"source_name": "某某经济日报"}),
    ("书店周末开业。\n来源|某某晚报、某某新闻网", "", "书店周末开业。", {"source_name": "某某晚报、某某新闻网"}),
    ("“湖边书店”周末开业\n书店周末开业。", '"湖边书店"周末开业', "书店周末开业。", {}),  # the title again, other quotes
    ("2022-08-30 10:00 来源：某某晨报 作者：张三\n书店周末开业。", "", "书店周末开业。", {"source_name": "某某晨报"}),
    ("发布时间：2022年8月30日 10:00 | 阅读 1024\n书店周末开业。", "", "书店周末开业。", {}),
])
def test_title_dateline_source_and_original_title_lines_become_metadata(cleaner, body, title, text, metadata):
    result = cleaner.clean(body, is_html=False, title=title)
    assert (result.text, result.metadata) == (text, metadata)


@pytest.mark.parametrize("line", [
    "湖边新开的书店，某某新闻图", "湖边新开的书店（某某新闻记者李四摄）", "书店门口的队伍 某某报供图",
    "封面图片来源：某某报记者 王五 摄 资料图",
])
def test_photo_captions_are_dropped(cleaner, line):
    assert cleaner.clean(f"书店周末开业。\n{line}\n店主说会办读书会。", is_html=False).text == "书店周末开业。\n店主说会办读书会。"


@pytest.mark.parametrize("line", [
    "来源：国家统计局",  # a chart's data source in the middle of the story stays
    "他说，这家书店的新馆将于明年开业，欢迎大家到店看图。",  # a sentence, not a caption
    "老街书店周末重新开业 读者排起长队(图)",  # a headline marked as having a picture
    "老街书店周末重新开业(组图)", "老街书店周末重新开业（多图）",
])
def test_story_lines_that_look_alike_are_kept(cleaner, line):
    body = f"书店周末开业。\n{line}\n店主说会办读书会。\n读者很多。"
    assert cleaner.clean(body, is_html=False).text == body


@pytest.mark.parametrize("headline", ["老街书店周末重新开业(图)", "老街书店周末重新开业 读者排起长队（组图）"])
def test_a_headline_alone_with_its_picture_mark_is_kept(cleaner, headline):
    assert cleaner.clean(headline, is_html=False).text == headline  # a labelled title file's whole text


def test_a_reference_list_is_cut_and_the_story_after_it_kept(cleaner):
    body = ("书店周末开业。\n参考资料\n1、湖边书店的故事\nhttps://example.com/a\n[2]https://example.com/b\n"
            "店主说会办读书会。")
    assert cleaner.clean(body, is_html=False).text == "书店周末开业。\n店主说会办读书会。"


SIDEBAR_PAGE = ("<html><body><h1>湖边书店开业</h1><div class='info'>2022-08-30 10:00 来源：某某晨报</div>"
                "<div class='content'><p>书店周末开业。</p><p>店主说会办读书会。</p></div>{sidebar}</body></html>")


@pytest.mark.parametrize("sidebar", [
    "<div class='side'><h3>热门推荐</h3><ul><li><a href='/1'>明星演唱会门票售罄</a></li>"
    "<li><a href='/2'>某地迎来降温</a></li></ul></div>",
    "<p>相关阅读：</p><ul><li><a href='/1'>明星演唱会门票售罄</a></li></ul><div><a href='/2'>某地迎来降温</a></div>",
])
def test_a_page_without_article_loses_its_sidebar_title_and_dateline(cleaner, sidebar):
    result = cleaner.clean(SIDEBAR_PAGE.format(sidebar=sidebar), is_html=True, title="湖边书店开业")
    assert (result.text, result.metadata) == ("书店周末开业。\n店主说会办读书会。", {"source_name": "某某晨报"})


def test_metadata_patterns_may_name_only_known_fields(tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"metadata_patterns": ["^作者：(?P<writer>.+)$"]}, ensure_ascii=False), "utf-8")
    with pytest.raises(ConfigError, match="unknown group 'writer'"):
        CleaningRules.load([rules])
