"""`nlp idf` writes only what `--idf` reads (issue 14: `13C NMR 7.502790` was refused)."""

from conftest import make_post
from nlp.jobs.idf import build_idf
from nlp.keywords.scoring import IdfTable


def test_a_table_built_from_english_phrases_is_read_back(tmp_path):
    corpus = tmp_path / "abstracts"
    corpus.mkdir()
    for n in range(3):
        body = f"<p>本文用 13C NMR 和 Kalman Filter 方法研究第{n}种材料的结构。</p>"
        (corpus / f"{n}.md").write_text(make_post(title=f"材料研究{n}", body=body), "utf-8")
    table, documents, failed = build_idf([corpus], min_df=2, merge=False)
    assert (documents, failed) == (3, 0)
    assert any(" " in term for term in table.idf)  # the phrases the keyword ranker looks up
    path = tmp_path / "idf.txt"
    table.save(path)
    assert IdfTable.load(path).idf == table.idf
