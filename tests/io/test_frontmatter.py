import pytest

from conftest import make_post
from nlp.errors import InputError
from nlp.io.frontmatter import is_post, split_post


@pytest.mark.parametrize("old_variant", [False, True], ids=["current", "old-variant"])
def test_both_front_matter_variants(old_variant):
    meta, body = split_post(make_post(old_variant=old_variant), "p.md")
    assert meta["title"] == "测试标题"
    assert meta["categories"] == ["金融", "新浪财经", "新浪财经－国內"]
    assert ("headimg" in meta) is not old_variant
    assert "正文第一段" in body


def test_dashes_inside_a_title_do_not_end_the_front_matter():
    meta, body = split_post(make_post(title="上篇 --- 下篇"), "p.md")
    assert meta["title"] == "上篇 --- 下篇"
    assert body.strip().startswith("<div>")


def test_a_title_that_yaml_rejects_is_recovered_line_by_line():
    text = "\n---\ntitle: 'it's: a \"quoted\" | title'\ncategories: \n - 游戏\n - 3DMGame\nauthor: 3DMGame\n---\nbody"
    meta, body = split_post(text, "p.md")
    assert meta["categories"] == ["游戏", "3DMGame"]
    assert meta["author"] == "3DMGame"
    assert "quoted" in meta["title"]
    assert body == "body"


def test_python_tags_are_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    text = f"---\ntitle: !!python/object/apply:os.system ['touch {marker}']\n---\nbody"
    meta, _ = split_post(text, "p.md")
    assert not marker.exists()
    assert "os.system" in str(meta["title"])


@pytest.mark.parametrize(
    "text, message",
    [("---\ntitle: x\nbody without end", "no closing"), ("title: x\n---\n", "no opening"),
     ("---\n- a\n- b\n---\n", "not a key/value mapping")],
)
def test_malformed_front_matter_is_an_input_error(text, message):
    with pytest.raises(InputError, match=message):
        split_post(text, "p.md")


@pytest.mark.parametrize("text, expected", [("\n\n---\ntitle: a\n---\n", True), ("<div>---</div>", False), ("", False)])
def test_is_post(text, expected):
    assert is_post(text) is expected
