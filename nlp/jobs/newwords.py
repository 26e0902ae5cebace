"""`nlp newwords`: read a corpus, discover new words, write them as a jieba user dictionary.

The dictionary (``word freq pos``, loadable by jieba, rjieba and ``--user-dict``) gets frequencies
high enough for jieba to keep each word whole; the evidence (count, cohesion, neighbour
entropies, score) goes to a side file ``<output>.evidence.tsv`` for review.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator

from nlp.doc import Failure
from nlp.errors import ConfigError, NlpError
from nlp.pipeline import Pipeline
from nlp.settings import Settings
from nlp.text.newwords import DiscoveryOptions, NewWord, discover
from nlp.io.readers import read_articles
from nlp.io.textio import write_text_file


def corpus_texts(inputs: Iterable[str | Path], counter: dict[str, int], pipeline: Pipeline) -> Iterator[str]:
    """Title and clean text of every readable article, as the pipeline cleans them (the user's
    cleaning rules apply; Traditional articles are read in Simplified characters)."""
    for record in read_articles(inputs):
        if isinstance(record, Failure):
            counter["failed"] = counter.get("failed", 0) + 1
            counter.setdefault("first_failure", f"{record.source}: {record.message}")
            continue
        try:
            doc = pipeline.clean(record)
        except NlpError:
            continue
        counter["docs"] = counter.get("docs", 0) + 1
        yield from pipeline.analysed_text(doc)


def discover_from_paths(inputs: Iterable[str | Path], *, options: DiscoveryOptions = DiscoveryOptions(),
                        settings: Settings = Settings()) -> tuple[list[NewWord], int]:
    inputs = list(inputs)
    pipeline = Pipeline(settings)
    segmenter = pipeline.segmenter
    counter: dict[str, int] = {}
    words = discover(corpus_texts(inputs, counter, pipeline), known=segmenter.has_word, cut=segmenter.cut, options=options)
    if not counter.get("docs"):
        why = f"; the first: {counter['first_failure']}" if "first_failure" in counter else ""
        failed = f"{counter.get('failed', 0)} input{'' if counter.get('failed', 0) == 1 else 's'} failed"
        raise ConfigError(f"no readable documents in {', '.join(map(str, inputs))} ({failed}{why})")
    return words, counter["docs"]


def write_user_dict(words: list[NewWord], output: Path, *, engine: str = "rjieba") -> Path:
    """Write the dictionary and its evidence file; returns the evidence file's path."""
    import jieba

    probe = jieba.Tokenizer()  # the frequency at which jieba keeps the word whole
    lines = [f"{w.word} {max(probe.suggest_freq(w.word, False), w.count)} nz\n" for w in words]
    write_text_file(output, "".join(lines))
    evidence = Path(f"{output}.evidence.tsv")
    header = "word\tcount\tcohesion_pmi\tleft_entropy\tright_entropy\tscore\n"
    write_text_file(evidence, header + "".join(w.to_row() + "\n" for w in words))
    return evidence
