"""The scikit-learn side of the classifier's features: TF-IDF blocks over the document strings of
:mod:`nlp.classify.features` (every token, space-separated).  Models saved before the layered layout
name ``nlp.vectorize.*``; :data:`nlp.classify.modelio.MOVED_MODULES` maps those names on load.
"""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from nlp.classify.features import lead_characters, split_tokens


class CompactTfidfVectorizer(TfidfVectorizer):
    """A TfidfVectorizer whose saved state packs the vocabulary into one UTF-8 byte array.

    skops writes a dict entry by entry (about 1 KB each); packing the terms in index order
    makes a 160,000-term vocabulary a few hundred KB instead of over 100 MB.
    """

    def __getstate__(self):
        state = dict(super().__getstate__())
        vocabulary = state.pop("vocabulary_", None)
        if vocabulary is not None:
            terms = sorted(vocabulary, key=vocabulary.__getitem__)
            if any("\n" in term for term in terms):
                raise ValueError("vocabulary terms must not contain newlines")
            state["packed_vocabulary_"] = np.frombuffer("\n".join(terms).encode("utf-8"), dtype=np.uint8).copy()
        return state

    def __setstate__(self, state):
        state = dict(state)
        packed = state.pop("packed_vocabulary_", None)
        if packed is not None:
            terms = bytes(np.asarray(packed, dtype=np.uint8)).decode("utf-8").split("\n")
            state["vocabulary_"] = {term: index for index, term in enumerate(terms)}
        super().__setstate__(state)


def make_features(*, word_ngrams: tuple[int, int] = (1, 2), char_ngrams: tuple[int, int] = (1, 3),
                  min_df: int = 2, max_features: int | None = None) -> FeatureUnion:
    """Word uni/bigrams and character n-grams, both sublinear TF-IDF in float32."""
    common = dict(min_df=min_df, sublinear_tf=True, dtype=np.float32, max_features=max_features)
    words = CompactTfidfVectorizer(tokenizer=split_tokens, token_pattern=None, lowercase=False,
                            ngram_range=word_ngrams, **common)
    chars = CompactTfidfVectorizer(analyzer="char", preprocessor=lead_characters, ngram_range=char_ngrams, **common)
    return FeatureUnion([("words", words), ("chars", chars)])
