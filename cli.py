"""`nlp`: a thin typer layer over the library.  Each command maps to one library call; library
errors become a one-line message on stderr and a non-zero exit.

Exit status: 0 success; 1 some inputs could not be annotated (their error records are in the
output); 2 the command could not run (bad option, missing model, unreadable data).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import List, Optional

import typer

from nlp.doc import Failure
from nlp.errors import NlpError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Chinese news analysis: annotate articles (keywords, category), report, train and evaluate "
                       "classifiers, build IDF tables, find new words and near-duplicates.")
log = logging.getLogger("nlp.cli")

UserDicts = typer.Option([], "--user-dict", help="jieba-format user dictionary (word [freq] [pos]); repeatable.")
Engine = typer.Option("rjieba", "--engine", help="Segmentation engine: rjieba (fast, jieba-compatible) or jieba.")
Method = typer.Option("combined", "--method", help="Keyword method: combined (default), tfidf or textrank.")
TopK = typer.Option(10, "--top-k", min=0, help="Number of keywords per article (0: keyword extraction off).")
IdfFile = typer.Option(None, "--idf", help="IDF table built by 'nlp idf' (default: jieba's bundled table).")


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"nlp: error: {message}", err=True)
    return typer.Exit(code)


def _settings(**kwargs):
    from nlp.settings import Settings

    return Settings(**{k: v for k, v in kwargs.items() if v is not None})


def _label_options(text_field: str, label_field: str, label_level: int, classes: Optional[Path], label_map: Optional[Path]):
    from nlp.io.labelled import LabelOptions

    return LabelOptions(text_field=text_field, label_field=label_field, label_level=label_level,
                        classes=classes, label_map=label_map)


def _model_dir(model: Optional[str]) -> Optional[Path]:
    from nlp.pipeline import default_model_dir

    if model is None:
        return default_model_dir()
    if model.lower() == "none":
        return None
    return Path(model)


def _show_version(value: bool) -> None:
    if value:
        from nlp import SCHEMA_VERSION, __version__

        typer.echo(f"nlp {__version__} (annotation schema {SCHEMA_VERSION})")
        raise typer.Exit()


@app.callback()
def _setup(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details to stderr."),
           version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True,
                                        help="Print the version and exit.")) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="nlp: %(levelname)s: %(message)s", stream=sys.stderr)
    logging.getLogger("jieba").setLevel(logging.WARNING)


@app.command()
def annotate(
    inputs: List[str] = typer.Argument(..., help="Posts, HTML, .txt or .jsonl files, directories, or - for JSON Lines on stdin."),
    output: Optional[str] = typer.Option(None, "-o", "--output", help="Write JSON Lines here (default: stdout); DIR/ writes part files."),
    model: Optional[str] = typer.Option(None, "--model", help="Model directory; 'none' turns classification off (default: models/default)."),
    method: str = Method,
    top_k: int = TopK,
    idf: Optional[Path] = IdfFile,
    user_dict: List[Path] = UserDicts,
    engine: str = Engine,
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Worker processes."),
    min_score: float = typer.Option(0.0, "--min-score", min=0.0, max=1.0, help="Leave category.label null below this probability."),
    boilerplate: List[Path] = typer.Option([], "--boilerplate", help="Extra cleaning rules (JSON, same keys as nlp/data/boilerplate.json)."),
    max_bytes: int = typer.Option(20 * 1024 * 1024, "--max-bytes", help="Refuse documents larger than this (JSON Lines files are streamed)."),
    resume: bool = typer.Option(False, "--resume", help="Finish an interrupted run: skip inputs already in -o OUT."),
    dedup: bool = typer.Option(False, "--dedup", help="Add duplicate_of: the id of the earliest earlier near-identical article."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Run on a Dask cluster: ADDRESS (tcp://host:8786) or local:N."),
    timezone: str = typer.Option("+00:00", "--timezone", help="UTC offset assumed for dates written without one."),
) -> None:
    """Annotate articles: clean, segment, keywords, category -> one JSON object per line."""
    from nlp.jobs.annotate import AnnotateJob, run, wants_parts

    started = time.monotonic()
    try:
        settings = _settings(engine=engine, method=method, top_k=top_k, idf_path=idf, user_dicts=tuple(user_dict),
                             boilerplate_files=tuple(boilerplate), min_score=min_score, naive_utc_offset=timezone)
        job = AnnotateJob(tuple(inputs), settings, _model_dir(model), Path(output) if output else None, wants_parts(output),
                          jobs, resume, dedup, scheduler, max_bytes)
        result = run(job, progress=lambda summary: _progress(summary, started))
    except NlpError as error:
        raise _fail(str(error))
    summary = result.summary
    if result.interrupted:
        typer.echo(f"\ninterrupted after {summary.articles + summary.errors} records; "
                   "finish with the same command and --resume", err=True)
        raise typer.Exit(130)
    _progress(summary, started, final=True)
    for line in summary.lines():
        typer.echo(line, err=True)
    if result.resumed:
        typer.echo(f"resumed: {result.resumed} records were already in {output}", err=True)
    if output:
        typer.echo(f"output: {output}", err=True)
    if summary.errors:
        raise typer.Exit(1)


def _progress(summary, started: float, *, final: bool = False) -> None:
    done = summary.articles + summary.errors
    if not sys.stderr.isatty() or (not final and done % 200):
        return
    rate = done / max(time.monotonic() - started, 1e-9)
    sys.stderr.write(f"\r{done} articles ({rate:.0f}/s)" + ("\n" if final else ""))
    sys.stderr.flush()


@app.command()
def train(
    data: List[Path] = typer.Argument(..., help="Labelled data: JSON Lines, TSV, class folders or post directories."),
    output: Path = typer.Option(..., "-o", "--output", help="Model directory to write."),
    label_field: str = typer.Option("label", "--label-field"),
    text_field: str = typer.Option("text", "--text-field"),
    label_level: int = typer.Option(1, "--label-level", min=1, help="Which categories level labels a post (1 = first)."),
    classes: Optional[Path] = typer.Option(None, "--classes", help="Class file naming numeric label ids (line i = id i)."),
    label_map: Optional[Path] = typer.Option(None, "--label-map", help="TSV 'from<TAB>to' renaming labels."),
    dev: List[Path] = typer.Option([], "--dev", help="Development data to measure the model on (default: a 10% hold-out)."),
    classifier: str = typer.Option("nbsvm", "--classifier", help="nbsvm (naive-Bayes-scaled SVM) or svm (plain LinearSVC)."),
    c: Optional[float] = typer.Option(None, "--c", help="Inverse regularisation of the SVM (default 0.1 for nbsvm, 0.5 for svm)."),
    name: Optional[str] = typer.Option(None, "--name", help="Model name in the card (default: directory name)."),
    dedup: bool = typer.Option(False, "--dedup", help="Also remove near-duplicates (MinHash, similarity >= 0.5) before splitting."),
    out_of_core: bool = typer.Option(False, "--out-of-core", help="Stream the data in chunks (hashed features, SGD): bounded memory for any size."),
    user_dict: List[Path] = UserDicts,
    engine: str = Engine,
) -> None:
    """Train a category classifier and write it with its model card."""
    from nlp.classify import modelio
    from nlp.classify.training import train_options
    from nlp.jobs.train import train_from_paths

    try:
        if out_of_core:
            from nlp.jobs.outofcore import train_streaming

            model = train_streaming(data, settings=_settings(engine=engine, user_dicts=tuple(user_dict)),
                                    labels=_label_options(text_field, label_field, label_level, classes, label_map))
            card = modelio.save(model, output, name=name)
            typer.echo(f"trained out of core on {card['n_train']} examples, {len(card['labels'])} labels -> {output}", err=True)
            return
        model = train_from_paths(data, settings=_settings(engine=engine, user_dicts=tuple(user_dict)),
                                 labels=_label_options(text_field, label_field, label_level, classes, label_map),
                                 options=train_options(classifier, c), dev_inputs=dev, near_duplicates=dedup)
        card = modelio.save(model, output, name=name)
    except NlpError as error:
        raise _fail(str(error))
    metrics = card.get("metrics") or {}
    typer.echo(f"trained on {card['n_train']} examples, {len(card['labels'])} labels -> {output}", err=True)
    if metrics:
        typer.echo(f"{card['metrics_measured_on']}: accuracy {metrics['accuracy']:.4f}, macro-F1 {metrics['macro_f1']:.4f}", err=True)


@app.command()
def evaluate(
    data: List[Path] = typer.Argument(..., help="Labelled data (same layouts as train)."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model directory (not needed with --cv)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    cv: int = typer.Option(0, "--cv", min=0, help="Cross-validate a fresh model with K stratified folds instead."),
    label_field: str = typer.Option("label", "--label-field"),
    text_field: str = typer.Option("text", "--text-field"),
    label_level: int = typer.Option(1, "--label-level", min=1),
    classes: Optional[Path] = typer.Option(None, "--classes"),
    label_map: Optional[Path] = typer.Option(None, "--label-map"),
    user_dict: List[Path] = UserDicts,
    engine: str = Engine,
) -> None:
    """Accuracy, macro-F1, per-label precision/recall/F1 and the confusion matrix."""
    from nlp.classify import modelio
    from nlp.classify.tables import format_evaluation
    from nlp.jobs.train import cross_validate_paths, evaluate_paths

    try:
        settings = _settings(engine=engine, user_dicts=tuple(user_dict))
        labels = _label_options(text_field, label_field, label_level, classes, label_map)
        if cv:
            if cv < 2:
                raise _fail("--cv needs at least 2 folds")
            result = cross_validate_paths(data, cv, settings=settings, labels=labels)
        else:
            if model is None:
                raise _fail("--model is required (or use --cv K)")
            result = evaluate_paths(data, modelio.load(model), settings=settings, labels=labels)
    except NlpError as error:
        raise _fail(str(error))
    for warning in result.warnings:
        typer.echo(f"nlp: warning: {warning}", err=True)
    typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) if as_json else format_evaluation(result))


@app.command()
def idf(
    corpus: List[str] = typer.Argument(..., help="Posts, text files, JSON Lines or directories."),
    output: Path = typer.Option(..., "-o", "--output", help="IDF file to write (jieba's 'word idf' format)."),
    min_df: int = typer.Option(2, "--min-df", min=1, help="Leave out words found in fewer documents."),
    no_merge: bool = typer.Option(False, "--no-merge", help="Do not fill in jieba's values for words the corpus lacks."),
    user_dict: List[Path] = UserDicts,
    engine: str = Engine,
) -> None:
    """Build an IDF table from your own corpus."""
    from nlp.jobs.idf import build_idf

    try:
        table, n_docs, n_failed = build_idf(corpus, settings=_settings(engine=engine, user_dicts=tuple(user_dict)),
                                            min_df=min_df, merge=not no_merge)
        table.save(output)
    except NlpError as error:
        raise _fail(str(error))
    typer.echo(f"{len(table)} words from {n_docs} documents ({n_failed} unreadable) -> {output}", err=True)


@app.command()
def keywords(
    file: str = typer.Argument(..., help="One article (post, HTML or text) or - for text on stdin."),
    method: str = Method,
    top_k: int = TopK,
    idf: Optional[Path] = IdfFile,
    user_dict: List[Path] = UserDicts,
    engine: str = Engine,
) -> None:
    """Print the keywords of one article, one 'word<TAB>score' per line."""
    from nlp.pipeline import Pipeline
    from nlp.io.readers import parse_document, read_file

    try:
        pipeline = Pipeline(_settings(engine=engine, method=method, top_k=top_k, idf_path=idf, user_dicts=tuple(user_dict)))
        if file == "-":
            records = [parse_document(sys.stdin.read(), source="<stdin>", article_id="stdin")]
        else:
            records = list(read_file(Path(file), Path(file).stem))
        result = pipeline.annotate_batch(records[:1])[0]
    except NlpError as error:
        raise _fail(str(error))
    if isinstance(result, Failure):
        raise _fail(f"{result.source}: {result.message}")
    for keyword in result.keywords:
        typer.echo(f"{keyword.word}\t{keyword.score:.6f}")


@app.command()
def report(
    inputs: List[str] = typer.Argument(..., help="Annotation JSON Lines from 'nlp annotate', or posts/directories (annotated on the fly), or - (annotations on stdin)."),
    output: Path = typer.Option(..., "-o", "--output", help="Report file; the format follows the extension (.html .md .csv .json)."),
    by: str = typer.Option("category", "--by", help="Group by category (predicted), source (crawl level), day, week or month."),
    level: int = typer.Option(2, "--level", min=1, help="With --by source: which categories level (1 domain, 2 site, 3 feed)."),
    top_k: int = typer.Option(20, "--top-k", min=1, help="Keywords per group (and trends, pairs)."),
    period: str = typer.Option("week", "--period", help="Period for the time series and rising/falling keywords: day, week, month."),
    since: Optional[str] = typer.Option(None, "--since", help="Only articles dated on or after this day (YYYY-MM-DD)."),
    until: Optional[str] = typer.Option(None, "--until", help="Only articles dated on or before this day."),
    fmt: Optional[str] = typer.Option(None, "--format", help="html, md, csv or json (default: from the extension)."),
    model: Optional[str] = typer.Option(None, "--model", help="Model for inputs annotated on the fly."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Worker processes for inputs annotated on the fly."),
    dedup: bool = typer.Option(False, "--dedup", help="Count each story once: skip near-duplicates of earlier articles."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Count annotation files on a Dask cluster: ADDRESS or local:N."),
) -> None:
    """Keyword report: top keywords per group, rising/falling keywords, pairs, corpus facts."""
    from nlp.io.readers import read_articles
    from nlp.jobs.report import tally_inputs
    from nlp.report.tally import ReportOptions, summarise
    from nlp.report.render import infer_format, render
    from nlp.io.textio import write_text_file
    from nlp.jobs.runner import annotate_records

    try:
        chosen = infer_format(output, fmt)
        options = ReportOptions(by=by, level=level, top_k=top_k, period=by if by in ("day", "week", "month") else period,
                                since=since, until=until)
        settings = _settings(signatures=dedup)

        def annotate(paths):
            return annotate_records(read_articles(paths), settings, _model_dir(model), jobs=jobs)

        tally = tally_inputs(inputs, options, annotate=annotate, deduper=_deduper() if dedup else None, scheduler=scheduler)
        write_text_file(output, render(summarise(tally), chosen))
    except NlpError as error:
        raise _fail(str(error))
    skipped = f", {tally.duplicates_skipped} near-duplicates skipped" if dedup else ""
    typer.echo(f"{tally.articles} articles ({tally.errors} errors{skipped}) -> {output} ({chosen})", err=True)


@app.command()
def segment(
    files: List[str] = typer.Argument(..., help="Text files (one sentence or paragraph per line), or - for stdin."),
    user_dict: List[Path] = UserDicts,
    engine: str = Engine,
) -> None:
    """Print each input line segmented, tokens separated by two spaces (the SIGHAN gold format)."""
    from nlp.text.segment import Segmenter
    from nlp.io.textio import decode_bytes

    try:
        segmenter = Segmenter(engine=engine, user_dicts=tuple(user_dict))
        for name in files:
            text = sys.stdin.read() if name == "-" else _read_input(Path(name), decode_bytes)
            for line in text.split("\n"):
                typer.echo("  ".join(segmenter.cut(line.strip())))
    except NlpError as error:
        raise _fail(str(error))


def _read_input(path: Path, decode) -> str:
    from nlp.errors import InputError

    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(str(path), error.strerror or str(error)) from None
    return decode(data, str(path)).rstrip("\n")


@app.command()
def newwords(
    corpus: List[str] = typer.Argument(..., help="Posts, text files, JSON Lines or directories."),
    output: Path = typer.Option(..., "-o", "--output", help="User dictionary to write (jieba's 'word freq pos' format)."),
    min_count: int = typer.Option(5, "--min-count", min=2, help="Minimum occurrences."),
    min_cohesion: float = typer.Option(3.0, "--min-cohesion", help="Minimum PMI (natural log) at every split point."),
    min_entropy: float = typer.Option(1.0, "--min-entropy", help="Minimum left and right neighbour entropy."),
    min_binding: float = typer.Option(0.5, "--min-binding", min=0.0, max=1.0,
                                      help="Minimum share of each segmenter piece's occurrences that lie inside the word."),
    max_words: int = typer.Option(5000, "--max-words", min=1, help="Keep at most this many words."),
    engine: str = Engine,
    boilerplate: List[Path] = typer.Option([], "--boilerplate", help="Extra cleaning rules (JSON, same keys as nlp/data/boilerplate.json)."),
) -> None:
    """Propose words jieba splits but the corpus shows to be units, as a ranked user dictionary."""
    from nlp.text.newwords import DiscoveryOptions
    from nlp.jobs.newwords import discover_from_paths, write_user_dict

    try:
        options = DiscoveryOptions(min_count=min_count, min_cohesion=min_cohesion, min_entropy=min_entropy,
                                   min_binding=min_binding, max_words=max_words)
        settings = _settings(engine=engine, boilerplate_files=tuple(boilerplate))
        words, n_docs = discover_from_paths(corpus, options=options, settings=settings)
        evidence = write_user_dict(words, output, engine=engine)
    except NlpError as error:
        raise _fail(str(error))
    typer.echo(f"{len(words)} new words from {n_docs} documents -> {output} (evidence: {evidence})", err=True)


def _deduper():
    from nlp.jobs.dedup import Deduper

    return Deduper()


@app.command("dedup")
def dedup_command(
    inputs: List[str] = typer.Argument(..., help="Posts, HTML, text, JSON Lines or directories."),
    output: Path = typer.Option(..., "-o", "--output", help="Groups as JSON Lines, one group per line."),
    threshold: float = typer.Option(0.5, "--threshold", min=0.0, max=1.0, help="Minimum estimated Jaccard similarity of token bigrams."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Worker processes reading, segmenting and signing articles."),
    user_dict: List[Path] = UserDicts,
    engine: str = Engine,
) -> None:
    """Find groups of near-identical articles (MinHash LSH over token shingles)."""
    from nlp.jobs.dedup import dedup_paths
    from nlp.io.textio import write_text_file

    try:
        result = dedup_paths(inputs, settings=_settings(engine=engine, user_dicts=tuple(user_dict)), threshold=threshold,
                             jobs=jobs)
        write_text_file(output, "".join(json.dumps(group, ensure_ascii=False) + "\n" for group in result.groups))
    except NlpError as error:
        raise _fail(str(error))
    duplicates = sum(g["size"] - 1 for g in result.groups)
    typer.echo(f"{len(result.groups)} groups, {duplicates} near-duplicates among {result.documents} articles "
               f"({result.failed} unreadable) -> {output}", err=True)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: loopback only)."),
    port: int = typer.Option(8000, "--port", min=0, max=65535),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes, each with its own pipeline."),
    model: Optional[str] = typer.Option(None, "--model", help="Model directory; 'none' turns classification off (default: models/default)."),
    api_key: Optional[str] = typer.Option(None, "--api-key", envvar="NLP_API_KEY", help="Require this key on every /v1 call."),
    max_bytes: int = typer.Option(4 * 1024 * 1024, "--max-bytes", min=1, help="Refuse request bodies larger than this (413)."),
    timeout: float = typer.Option(30.0, "--timeout", min=0.001, help="Seconds a request may take, queueing included (504)."),
    method: str = Method,
    top_k: int = TopK,
    idf: Optional[Path] = IdfFile,
    user_dict: List[Path] = UserDicts,
    engine: str = Engine,
    min_score: float = typer.Option(0.0, "--min-score", min=0.0, max=1.0, help="Leave category.label null below this probability."),
    boilerplate: List[Path] = typer.Option([], "--boilerplate", help="Extra cleaning rules (JSON, same keys as nlp/data/boilerplate.json)."),
    timezone: str = typer.Option("+00:00", "--timezone", help="UTC offset assumed for dates written without one."),
) -> None:
    """Serve annotation over HTTP: POST /v1/annotate answers the record 'nlp annotate' writes."""
    from nlp.serve.config import ServeConfig
    from nlp.serve.server import serve as run_server

    try:
        settings = _settings(engine=engine, method=method, top_k=top_k, idf_path=idf, user_dicts=tuple(user_dict),
                             boilerplate_files=tuple(boilerplate), min_score=min_score, naive_utc_offset=timezone)
        run_server(ServeConfig(settings, _model_dir(model), max_bytes, timeout), host=host, port=port, workers=workers,
                   api_key=api_key)
    except NlpError as error:
        raise _fail(str(error))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
