import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlp.text.language import _HANS_ONLY, _HANT_ONLY, detect_language, script_counts


@pytest.mark.parametrize(
    "text, expected",
    [
        ("我们这个国家的经济发展很快，这是大家都看到的。", "zh-Hans"),
        ("這本書帶領讀者走進城市的巷弄與老街，們說這個時候會來。", "zh-Hant"),
        ("春のライブツアーの追加公演が決定しました。", "ja"),
        ("서울에서 새로운 전시회가 열렸습니다.", "ko"),
        ("The maintainers released version 2.0 of the database.", "en"),
        ("The maintainers of the 上海 office released version 2.0 of the database today.", "en"),
        ("某框架 v1.2 发布，新增内置服务器\nfrom framework.server import HttpServer\nserver = HttpServer(bind='0.0.0.0', port=8080)\n"
         "server.add_route('/hello', handler)\nserver.serve_forever()", "zh-Hans"),  # a release note with code
        ("12345 !!! ...", "other"),
        ("", "other"),
    ],
)
def test_detect_language(text, expected):
    assert detect_language(text) == expected


# The regular expressions the counts replaced: the definition they must keep matching.
REFERENCE = {"han": "[\u4e00-\u9fff\u3400-\u4dbf]", "kana": "[\u3040-\u30ff]", "hangul": "[\uac00-\ud7af\u1100-\u11ff]",
             "latin": "[A-Za-z]"}


@given(st.text(alphabet=st.sampled_from("aZ9 ，。這们说這們說个個あア한ᄀ中丛叢𠀀\u4dbf\u9fff\u3040\U0001f600"), max_size=60))
def test_script_counts_match_the_character_classes(text):
    counts = script_counts(text)
    for name, pattern in REFERENCE.items():
        assert counts[name] == len(re.findall(pattern, text))
    assert counts["latin_words"] == len(re.findall("[A-Za-z]+", text))
    assert counts["hans"] == sum(c in _HANS_ONLY for c in text)
    assert counts["hant"] == sum(c in _HANT_ONLY for c in text)


@pytest.mark.parametrize("text, language", [
    ("Hà Nội là thủ đô của Việt Nam, một thành phố lớn ở miền Bắc.", "other"),  # Vietnamese
    ("Zażółć gęślą jaźń, powiedział dziennikarz w Krakowie.", "other"),  # Polish
    ("The café opened near the museum in Paris on Monday morning, the owner said.", "en"),  # a loanword
])
def test_a_latin_language_with_many_diacritics_is_other(text, language):
    assert detect_language(text) == language
