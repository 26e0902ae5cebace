import pytest
from rich.cells import cell_len

from nlp.classify.training import Evaluation
from nlp.errors import ConfigError
from nlp.doc import BREAK, Segmented, Token
from nlp.settings import Settings
from nlp.classify.tables import format_evaluation
from nlp.classify.features import document_string, lead_characters, split_tokens
from nlp.classify.vectorizers import CompactTfidfVectorizer


@pytest.mark.parametrize(
    "kwargs, message",
    [({"engine": "thulac"}, "unknown engine"), ({"method": "bm25"}, "unknown method"), ({"top_k": -1}, "top_k"),
     ({"min_score": 1.5}, "min_score")],
)
def test_settings_reject_bad_values(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        Settings(**kwargs)


def test_settings_are_frozen_and_copied_with_changes():
    settings = Settings()
    assert settings.with_(top_k=3).top_k == 3 and settings.top_k == 10
    with pytest.raises(Exception):
        settings.top_k = 5  # type: ignore[misc]


def test_document_string_keeps_every_token_lowercased_and_can_keep_only_the_lead():
    doc = Segmented((Token("5G", "eng"), Token("：", "x")), (Token("基站", "n"), Token("的", "uj"), Token("建设", "vn")))
    assert document_string(doc) == "5g ： 基站 的 建设"
    assert document_string(doc, max_tokens=1) == "5g ： 基站"
    with_breaks = Segmented(doc.title + (BREAK,), (BREAK,) + doc.body)  # the segmenter's whitespace markers
    assert document_string(with_breaks) == document_string(doc)  # same string: same features, same fingerprints


def test_lead_characters_drop_spaces_and_keep_300_characters():
    assert lead_characters("算力 产业 A") == "算力产业a"
    assert len(lead_characters("字 " * 1000)) == 300
    assert split_tokens("甲  乙 丙") == ["甲", "乙", "丙"]


def test_compact_vectorizer_state_round_trips_without_the_vocabulary_dict():
    vectorizer = CompactTfidfVectorizer(tokenizer=split_tokens, token_pattern=None, lowercase=False).fit(["甲 乙", "乙 丙"])
    state = vectorizer.__getstate__()
    assert "vocabulary_" not in state and state["packed_vocabulary_"].dtype.name == "uint8"
    clone = CompactTfidfVectorizer.__new__(CompactTfidfVectorizer)
    clone.__setstate__(state)
    assert clone.vocabulary_ == vectorizer.vocabulary_
    assert (clone.transform(["甲 丙"]) != vectorizer.transform(["甲 丙"])).nnz == 0


def test_tables_align_wide_characters():
    ev = Evaluation(labels=("体育", "财经"), accuracy=0.5, macro_f1=0.5, weighted_f1=0.5,
                    per_label={"体育": {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2},
                               "财经": {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}},
                    confusion=((1, 1), (0, 0)), n=2, calibration_error=0.1)
    text = format_evaluation(ev)
    assert "accuracy 0.5000" in text and "calibration error (ECE) 0.1000" in text
    lines = text.splitlines()
    first_table = lines[lines.index(next(line for line in lines if line.startswith("label"))):][:5]
    assert [line.split()[0] for line in first_table[2:]] == ["体育", "财经", "macro"]
    assert len({cell_len(line) for line in first_table}) == 1  # right-aligned columns end together
