"""Which language an article is in: zh-Hans, zh-Hant, ja, ko, en or other.

Script counts, not a model: kana means Japanese, Hangul Korean; among Chinese texts the
characters that exist only in one of the two standard forms decide between Simplified and
Traditional.  The character pairs are a hand-picked list of very common words' characters.
"""

from __future__ import annotations

import re

# Common characters whose Simplified and Traditional forms differ (same order in both strings).
_SIMPLIFIED = "这们说个会来时国对学为过后么于还发经开与无点现实问体长动电机从种应间头话关书门见东车马鸟鱼页听觉观让认语读谁识该讲设请论议记许谢两边进远运连选达业专丛乐产亲亿仅众优伤众们价众习乡买亚"
_TRADITIONAL = "這們說個會來時國對學為過後麼於還發經開與無點現實問體長動電機從種應間頭話關書門見東車馬鳥魚頁聽覺觀讓認語讀誰識該講設請論議記許謝兩邊進遠運連選達業專叢樂產親億僅眾優傷眾們價眾習鄉買亞"
_HANS_ONLY = frozenset(_SIMPLIFIED) - frozenset(_TRADITIONAL)
_HANT_ONLY = frozenset(_TRADITIONAL) - frozenset(_SIMPLIFIED)


_HAN = re.compile("[\u4e00-\u9fff\u3400-\u4dbf]")
_KANA = re.compile("[\u3040-\u30ff]")
_HANGUL = re.compile("[\uac00-\ud7af\u1100-\u11ff]")
_LATIN = re.compile("[A-Za-z]")
_HANS = re.compile(f"[{''.join(sorted(_HANS_ONLY))}]")
_HANT = re.compile(f"[{''.join(sorted(_HANT_ONLY))}]")


def detect_language(text: str, *, sample: int = 1200) -> str:
    """Best guess of the language of ``text`` from its first ``sample`` characters."""
    head = text[:sample]
    han, kana, hangul, latin = (len(p.findall(head)) for p in (_HAN, _KANA, _HANGUL, _LATIN))
    hans, hant = len(_HANS.findall(head)), len(_HANT.findall(head))
    cjk = han + kana + hangul
    if kana >= 3 and kana >= 0.1 * cjk:
        return "ja"
    if hangul >= 3 and hangul >= 0.3 * cjk:
        return "ko"
    if han >= 2 and han * 4 >= latin:
        return "zh-Hant" if hant > hans else "zh-Hans"
    if latin >= 3 and latin > cjk:
        return "en"
    return "other"
