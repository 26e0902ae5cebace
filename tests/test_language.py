import pytest

from nlp.language import detect_language


@pytest.mark.parametrize(
    "text, expected",
    [
        ("我们这个国家的经济发展很快，这是大家都看到的。", "zh-Hans"),
        ("這本書帶領讀者走進城市的巷弄與老街，們說這個時候會來。", "zh-Hant"),
        ("春のライブツアーの追加公演が決定しました。", "ja"),
        ("서울에서 새로운 전시회가 열렸습니다.", "ko"),
        ("The maintainers released version 2.0 of the database.", "en"),
        ("12345 !!! ...", "other"),
        ("", "other"),
    ],
)
def test_detect_language(text, expected):
    assert detect_language(text) == expected
