"""Features for the category classifier, built from the tokens the segmenter already produced.

A document reaches the classifier as its content words joined by single spaces.  The two
callables below are module-level so that a saved model refers to them by name; the model
loader trusts exactly these names and nothing else of this package.
"""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from .keywords import Segmented
from .segment import is_content


def split_tokens(doc: str) -> list[str]:
    """Tokenizer of the word features: the document is already segmented."""
    return doc.split()


def join_tokens(doc: str) -> str:
    """Preprocessor of the character features: the text without the segmenter's spaces."""
    return doc.replace(" ", "").lower()


TRUSTED_CALLABLES = ("nlp.vectorize.split_tokens", "nlp.vectorize.join_tokens")


def document_string(doc: Segmented, stopwords: frozenset[str]) -> str:
    """The classifier's view of an article: content words of title and body, space-separated."""
    words = [t.word.lower() for part in (doc.title, doc.body) for t in part if is_content(t, stopwords)]
    return " ".join(words)


def make_features(*, word_ngrams: tuple[int, int] = (1, 2), char_ngrams: tuple[int, int] = (1, 3),
                  min_df: int = 2, max_features: int | None = None) -> FeatureUnion:
    """Word uni/bigrams and character n-grams, both sublinear TF-IDF in float32."""
    common = dict(min_df=min_df, sublinear_tf=True, dtype=np.float32, max_features=max_features)
    words = TfidfVectorizer(tokenizer=split_tokens, token_pattern=None, lowercase=False,
                            ngram_range=word_ngrams, **common)
    chars = TfidfVectorizer(analyzer="char", preprocessor=join_tokens, ngram_range=char_ngrams, **common)
    return FeatureUnion([("words", words), ("chars", chars)])
