"""`nlp`: a thin typer layer over the library.  Each command maps to one library call; library
errors become a one-line message on stderr and a non-zero exit.

Exit status: 0 success; 1 some inputs could not be annotated (their error records are in the
output); 2 the command could not run (bad option, missing model, unreadable data).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from nlp.dedup import CONTAINMENT, THRESHOLD
from nlp.doc import Failure
from nlp.errors import ConfigError, NlpError
from nlp.io.dates import DEFAULT_NAIVE_OFFSET
from nlp.io.textio import DEFAULT_MAX_BYTES
from nlp.report import FORMATS
from nlp.report.tally import GROUPINGS, PERIODS, ReportOptions
from nlp.settings import ENGINES, METHODS, Settings

# Plain click help: rich markup would show every flag as "<bool>" and eat "[freq] [pos]" as markup.
app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Chinese news analysis: annotate articles (keywords, category), report, train and evaluate "
                       "classifiers, build IDF tables, find new words and near-duplicates.")
log = logging.getLogger("nlp.cli")


def _choices(name: str, values) -> type[Enum]:
    """An Enum of the library's choices, so that typer lists them in the help and refuses others."""
    return Enum(name, {value: value for value in values}, type=str)


EngineChoice = _choices("EngineChoice", ENGINES)
MethodChoice = _choices("MethodChoice", METHODS)
FormatChoice = _choices("FormatChoice", FORMATS)
GroupingChoice = _choices("GroupingChoice", GROUPINGS)
PeriodChoice = _choices("PeriodChoice", PERIODS)
ClassifierChoice = _choices("ClassifierChoice", ("nbsvm", "svm"))  # nlp.classify.CLASSIFIERS (imports scikit-learn)


LabelSet = typer.Option(None, "--label-set", help="With a taxonomy label map: use only the rows of this set (default: all rows; a class two sets map differently is an error).")
UserDicts = typer.Option([], "--user-dict", metavar="FILE", help="jieba-format user dictionary: lines of 'word [freq] [pos]'; repeatable.")
Engine = typer.Option(Settings.engine, "--engine", help="Segmentation engine: rjieba (fast, jieba-compatible) or jieba.")
Method = typer.Option(Settings.method, "--method", help="Keyword method: combined (default), tfidf or textrank.")
TopK = typer.Option(Settings.top_k, "--top-k", min=0, help="Number of keywords per article (0: keyword extraction off).")
IdfFile = typer.Option(None, "--idf", help="IDF table built by 'nlp idf' (default: jieba's bundled table).")
LabelField = typer.Option("label", "--label-field", help="JSON Lines: the field holding the label.")
TextField = typer.Option("text", "--text-field", help="JSON Lines: the field holding the text (title + body also work).")
LabelLevel = typer.Option(1, "--label-level", min=1, help="Post directories: which categories level labels a post (1 = first).")
Classes = typer.Option(None, "--classes", help="Class file naming numeric label ids (line i = id i; default: class.txt beside the data).")
LabelMap = typer.Option(None, "--label-map", help="TSV 'from<TAB>to' renaming labels, or a taxonomy 'set<TAB>class<TAB>label' (nlp/data/taxonomy.tsv).")
# The option that sets each library setting, for error messages.
FLAGS = {"naive_utc_offset": "--timezone", "idf_path": "--idf", "user_dicts": "--user-dict", "engine": "--engine",
         "method": "--method", "boilerplate_files": "--boilerplate", "min_score": "--min-score", "top_k": "--top-k",
         "scheduler": "--scheduler", "resume": "--resume", "max_bytes": "--max-bytes", "format": "--format",
         "model_dir": "--model", "entity_model_dir": "--entities",
         "workers": "--workers", "label_set": "--label-set", "since": "--since", "until": "--until"}
MIN_RELIABLE_EVALUATION = 100  # fewer held-out examples than this: the printed accuracy gets a caveat


def _fail(message, code: int = 2) -> typer.Exit:
    """Print ``message`` (a string or an NlpError, whose option the CLI names) and return the Exit to raise."""
    if isinstance(message, ConfigError) and message.setting in FLAGS:
        message = f"{FLAGS[message.setting]}: {message}"
    typer.echo(f"nlp: error: {message}", err=True)
    return typer.Exit(code)


def _value(choice) -> str | None:
    return choice.value if isinstance(choice, Enum) else choice


def _check_inputs(inputs) -> None:
    from nlp.io.readers import check_inputs

    check_inputs(inputs)


def _check_output(path: Path, inputs) -> None:
    """``-o`` can be written and is not one of the inputs (a file replaced by the result)."""
    from nlp.io.textio import check_output_path

    check_output_path(path)
    if any(item != "-" and Path(item).resolve() == Path(path).resolve() for item in inputs):
        raise _fail(f"{path}: the output is also an input: it would be overwritten")


def _warn_jobs(jobs: int) -> None:
    cpus = os.cpu_count() or 1
    if jobs > cpus:
        typer.echo(f"nlp: warning: --jobs {jobs} is more than the {cpus} CPUs of this machine; "
                   f"more processes than CPUs only add memory", err=True)


def _quiet_dask(verbose: bool) -> None:
    """Dask logs INFO lines on start and worker tracebacks on Ctrl-C; keep them for -v."""
    if verbose:
        return
    import warnings

    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")  # inherited by worker processes
    for name in ("distributed", "dask"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="distributed")  # "Port 8787 is already in use" and the like


EntitiesOption = typer.Option(None, "--entities", metavar="DIR|none",
                              help="Entity model directory (default: models/entities); none turns the entity stage off.")


def _entity_settings(entities: Optional[str]) -> dict:
    if entities is None:
        return {}
    if entities.lower() == "none":
        return {"entities": False}
    return {"entity_model_dir": Path(entities)}


def _settings(**kwargs):
    from nlp.settings import Settings

    return Settings(**{k: v for k, v in kwargs.items() if v is not None})


def _label_options(text_field: str, label_field: str, label_level: int, classes: Optional[Path], label_map: Optional[Path],
                   label_set: Optional[str] = None):
    from nlp.io.labelled import LabelOptions

    return LabelOptions(text_field=text_field, label_field=label_field, label_level=label_level,
                        classes=classes, label_map=label_map, label_set=label_set)


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
    _quiet_dask(verbose)


@app.command()
def annotate(
    inputs: List[str] = typer.Argument(..., help="Posts, HTML, .txt or .jsonl files, directories, or - for JSON Lines on stdin."),
    output: Optional[str] = typer.Option(None, "-o", "--output", help="Write JSON Lines here (default: stdout); DIR/ writes part files."),
    model: Optional[str] = typer.Option(None, "--model", help="Model directory; 'none' turns classification off (default: models/default)."),
    method: MethodChoice = Method,
    top_k: int = TopK,
    idf: Optional[Path] = IdfFile,
    user_dict: List[Path] = UserDicts,
    engine: EngineChoice = Engine,
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Worker processes."),
    min_score: Optional[float] = typer.Option(None, "--min-score", min=0.0, max=1.0, help="Leave category.label null below this probability (default: the model card's min_score)."),
    min_chars: Optional[int] = typer.Option(None, "--min-chars", min=0, help="Leave category.label null for fewer Chinese characters of clean text (default: the model card's min_chars)."),
    boilerplate: List[Path] = typer.Option([], "--boilerplate", metavar="FILE", help="Extra cleaning rules (JSON, same keys as nlp/data/boilerplate.json)."),
    max_bytes: int = typer.Option(DEFAULT_MAX_BYTES, "--max-bytes", min=1,
                                  help="Refuse documents, and JSON Lines records, larger than this many bytes."),
    resume: bool = typer.Option(False, "--resume", help="Finish an interrupted run: skip inputs already in -o OUT."),
    dedup: bool = typer.Option(False, "--dedup", help="Add duplicate_of: the id of the earliest earlier near-identical article."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Run on a Dask cluster: ADDRESS (tcp://host:8786) or local:N."),
    timezone: str = typer.Option(DEFAULT_NAIVE_OFFSET, "--timezone",
                                 help="Offset or zone for dates written without one: +08:00, +0800, UTC, Asia/Shanghai."),
    entities: Optional[str] = EntitiesOption,
) -> None:
    """Annotate articles: clean, segment, keywords, entities, category -> one JSON object per line."""
    from nlp.io.readers import describe_passed_over
    from nlp.jobs.annotate import AnnotateJob, run, wants_parts

    started = time.monotonic()
    if resume and (not output or wants_parts(output)):
        raise _fail("--resume needs -o OUT.jsonl (the file to finish)")
    _warn_jobs(jobs)
    try:
        settings = _settings(engine=_value(engine), method=_value(method), top_k=top_k, idf_path=idf, user_dicts=tuple(user_dict),
                             boilerplate_files=tuple(boilerplate), min_score=min_score, min_chars=min_chars,
                             naive_utc_offset=timezone, **_entity_settings(entities))
        job = AnnotateJob(tuple(inputs), settings, _model_dir(model), Path(output) if output else None, wants_parts(output),
                          jobs, resume, dedup, scheduler, max_bytes)
        with _progress_bar() as bar:
            task = bar.add_task("annotate", total=None)
            result = run(job, progress=lambda summary: bar.update(task, completed=summary.articles + summary.errors))
    except NlpError as error:
        raise _fail(error)
    summary = result.summary
    if result.interrupted:
        typer.echo(f"\ninterrupted after {summary.articles + summary.errors} records; "
                   "finish with the same command and --resume", err=True)
        raise typer.Exit(130)
    if sys.stderr.isatty():
        done = summary.articles + summary.errors
        typer.echo(f"{done} articles ({done / max(time.monotonic() - started, 1e-9):.0f}/s)", err=True)
    for line in summary.lines():
        typer.echo(line, err=True)
    if result.passed_over:
        typer.echo(f"skipped: {describe_passed_over(result.passed_over)}", err=True)
    if result.resumed:
        typer.echo(f"resumed: {result.resumed} records were already in {output}", err=True)
    if output:
        typer.echo(f"output: {output}", err=True)
    if summary.errors:
        raise typer.Exit(1)


class _NoProgress:
    """What ``_progress_bar`` gives when stderr is no terminal: the same calls, doing nothing (and rich,
    20 ms of imports, is not loaded)."""

    def __enter__(self) -> "_NoProgress":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add_task(self, *args: object, **kwargs: object) -> int:
        return 0

    def update(self, *args: object, **kwargs: object) -> None:
        return None


def _progress_bar():
    """A live count of annotated articles on a terminal (rich redraws it a few times a second); off otherwise."""
    if not sys.stderr.isatty():
        return _NoProgress()
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(SpinnerColumn(), TextColumn("{task.completed} articles"), TimeElapsedColumn(),
                    console=Console(stderr=True), transient=True)


@app.command()
def train(
    data: List[Path] = typer.Argument(..., help="Labelled data: JSON Lines, TSV, class folders or post directories."),
    output: Path = typer.Option(..., "-o", "--output", help="Model directory to write."),
    label_field: str = LabelField,
    text_field: str = TextField,
    label_level: int = LabelLevel,
    classes: Optional[Path] = Classes,
    label_map: Optional[Path] = LabelMap,
    label_set: Optional[str] = LabelSet,
    dev: List[Path] = typer.Option([], "--dev", help="Development data to measure the model on (default: a 10% hold-out)."),
    classifier: ClassifierChoice = typer.Option("nbsvm", "--classifier", help="nbsvm (naive-Bayes-scaled SVM) or svm (plain LinearSVC)."),
    c: Optional[float] = typer.Option(None, "--c", help="Inverse regularisation of the SVM (default 0.1 for nbsvm, 0.5 for svm)."),
    name: Optional[str] = typer.Option(None, "--name", help="Model name in the card (default: directory name)."),
    dedup: bool = typer.Option(False, "--dedup", help=f"Also remove near-duplicates (MinHash: similarity >= {THRESHOLD}, or one text contained in another >= {CONTAINMENT}) before splitting."),
    out_of_core: bool = typer.Option(False, "--out-of-core", help="Stream the data in chunks (hashed features, SGD): bounded memory for any size."),
    user_dict: List[Path] = UserDicts,
    engine: EngineChoice = Engine,
) -> None:
    """Train a category classifier and write it with its model card."""
    from nlp.classify import modelio
    from nlp.classify.training import train_options
    from nlp.jobs.train import train_from_paths

    try:
        _check_inputs(data + dev)
        settings = _settings(engine=_value(engine), user_dicts=tuple(user_dict))
        labels = _label_options(text_field, label_field, label_level, classes, label_map, label_set)
        if out_of_core:
            from nlp.jobs.outofcore import train_streaming

            card = modelio.save(train_streaming(data, settings=settings, labels=labels), output, name=name)
            typer.echo(f"trained out of core on {card['n_train']} examples, {len(card['labels'])} labels -> {output}", err=True)
            return
        model = train_from_paths(data, settings=settings, labels=labels, options=train_options(_value(classifier), c),
                                 dev_inputs=dev, near_duplicates=dedup)
        card = modelio.save(model, output, name=name)
    except NlpError as error:
        raise _fail(error)
    metrics = card.get("metrics") or {}
    typer.echo(f"trained on {card['n_train']} examples, {len(card['labels'])} labels -> {output}", err=True)
    if metrics:
        measured = metrics.get("n") or 0
        caveat = (f" (on only {measured} examples: a rough estimate; measure with --dev or 'nlp evaluate --cv')"
                  if measured < MIN_RELIABLE_EVALUATION else "")
        typer.echo(f"{card['metrics_measured_on']}: accuracy {metrics['accuracy']:.4f}, macro-F1 {metrics['macro_f1']:.4f}{caveat}",
                   err=True)


@app.command()
def evaluate(
    data: List[Path] = typer.Argument(..., help="Labelled data (same layouts as train)."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model directory (not needed with --cv)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    cv: int = typer.Option(0, "--cv", min=0, help="Cross-validate a fresh model with K stratified folds instead."),
    label_field: str = LabelField,
    text_field: str = TextField,
    label_level: int = LabelLevel,
    classes: Optional[Path] = Classes,
    label_map: Optional[Path] = LabelMap,
    label_set: Optional[str] = LabelSet,
    user_dict: List[Path] = UserDicts,
    engine: EngineChoice = Engine,
) -> None:
    """Accuracy, macro-F1, per-label precision/recall/F1 and the confusion matrix."""
    from nlp.classify import modelio
    from nlp.classify.tables import format_evaluation
    from nlp.jobs.train import cross_validate_paths, evaluate_paths

    try:
        _check_inputs(data)
        settings = _settings(engine=_value(engine), user_dicts=tuple(user_dict))
        labels = _label_options(text_field, label_field, label_level, classes, label_map, label_set)
        if cv:
            if cv < 2:
                raise _fail("--cv needs at least 2 folds")
            result = cross_validate_paths(data, cv, settings=settings, labels=labels)
        else:
            if model is None:
                raise _fail("--model is required (or use --cv K)")
            result = evaluate_paths(data, modelio.load(model), settings=settings, labels=labels)
    except NlpError as error:
        raise _fail(error)
    if as_json:  # the tables end with the warnings themselves
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
    engine: EngineChoice = Engine,
) -> None:
    """Build an IDF table from your own corpus."""
    from nlp.jobs.idf import build_idf

    try:
        _check_inputs(corpus)
        _check_output(output, corpus)
        table, n_docs, n_failed = build_idf(corpus, settings=_settings(engine=_value(engine), user_dicts=tuple(user_dict)),
                                            min_df=min_df, merge=not no_merge)
        table.save(output)
    except NlpError as error:
        raise _fail(error)
    typer.echo(f"{len(table)} words from {_count(n_docs, 'document')} ({n_failed} unreadable) -> {output}", err=True)


def _count(n: int, noun: str) -> str:
    """'1 document', '2 documents'."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


@app.command()
def keywords(
    file: str = typer.Argument(..., help="One article (post, HTML or text) or - for text on stdin."),
    method: MethodChoice = Method,
    top_k: int = TopK,
    idf: Optional[Path] = IdfFile,
    user_dict: List[Path] = UserDicts,
    engine: EngineChoice = Engine,
) -> None:
    """Print the keywords of one article, one 'word<TAB>score' per line."""
    from nlp.pipeline import Pipeline
    from nlp.io.readers import parse_document, read_file

    if file != "-" and Path(file).is_dir():
        raise _fail(f"{file}: is a directory; keywords reads one article (for a folder: nlp annotate {file})")
    try:
        pipeline = Pipeline(_settings(engine=_value(engine), method=_value(method), top_k=top_k, idf_path=idf,
                                      user_dicts=tuple(user_dict)))
        if file == "-":
            records = [parse_document(sys.stdin.read(), source="<stdin>", article_id="stdin")]
        else:
            records = list(read_file(Path(file), Path(file).stem))
        result = pipeline.annotate_batch(records[:1])[0]
    except NlpError as error:
        raise _fail(error)
    if isinstance(result, Failure):
        raise _fail(f"{result.source}: {result.message}")
    for keyword in result.keywords:
        typer.echo(f"{keyword.word}\t{keyword.score:.6f}")


@app.command()
def report(
    inputs: List[str] = typer.Argument(..., help="Annotation JSON Lines from 'nlp annotate', or posts/directories (annotated on the fly), or - (annotations on stdin)."),
    output: Path = typer.Option(..., "-o", "--output", help="Report file; the format follows the extension (.html .md .csv .json)."),
    by: GroupingChoice = typer.Option(ReportOptions.by, "--by", help="Group by category (predicted), source (crawl level), day, week or month."),
    level: int = typer.Option(ReportOptions.level, "--level", min=1, help="With --by source: which categories level (1 domain, 2 site, 3 feed)."),
    top_k: int = typer.Option(ReportOptions.top_k, "--top-k", min=1, help="Keywords per group (and trends, pairs)."),
    period: PeriodChoice = typer.Option(ReportOptions.period, "--period", help="Period for the time series and rising/falling keywords: day, week, month."),
    since: Optional[str] = typer.Option(None, "--since", help="Only articles dated on or after this day (YYYY-MM-DD)."),
    until: Optional[str] = typer.Option(None, "--until", help="Only articles dated on or before this day."),
    fmt: Optional[FormatChoice] = typer.Option(None, "--format", help="html, md, csv or json (default: from the extension)."),
    model: Optional[str] = typer.Option(None, "--model", help="Model for inputs annotated on the fly."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Worker processes for inputs annotated on the fly."),
    dedup: bool = typer.Option(False, "--dedup", help="Count each story once: skip near-duplicates of earlier articles."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Count annotation files on a Dask cluster: ADDRESS or local:N."),
) -> None:
    """Keyword report: top keywords per group, rising/falling keywords, pairs, leading and rising people/companies/places, corpus facts."""
    from nlp.io.readers import read_articles
    from nlp.jobs.report import tally_inputs
    from nlp.report.tally import ReportOptions, summarise
    from nlp.report.render import infer_format, render
    from nlp.io.textio import write_text_file
    from nlp.jobs.runner import annotate_records

    by, period = _value(by), _value(period)
    _warn_jobs(jobs)
    try:
        _check_inputs(inputs)
        _check_output(output, inputs)
        if scheduler:
            from nlp.jobs.cluster import parse_scheduler

            parse_scheduler(scheduler)
        chosen = infer_format(output, _value(fmt))
        options = ReportOptions(by=by, level=level, top_k=top_k, period=by if by in PERIODS else period,
                                since=since, until=until)
        settings = _settings(signatures=dedup)

        def annotate(paths):
            return annotate_records(read_articles(paths), settings, _model_dir(model), jobs=jobs)

        tally = tally_inputs(inputs, options, annotate=annotate, deduper=_deduper() if dedup else None, scheduler=scheduler)
        write_text_file(output, render(summarise(tally), chosen))
    except NlpError as error:
        raise _fail(error)
    skipped = f", {tally.duplicates_skipped} near-duplicates skipped" if dedup else ""
    typer.echo(f"{_count(tally.articles, 'article')} ({_count(tally.errors, 'error')}{skipped}) -> {output} ({chosen})", err=True)


@app.command()
def segment(
    files: List[str] = typer.Argument(..., help="Text files (one sentence or paragraph per line), or - for stdin."),
    user_dict: List[Path] = UserDicts,
    engine: EngineChoice = Engine,
) -> None:
    """Print each input line segmented, tokens separated by two spaces (the SIGHAN gold format).

    The output is line-aligned with the input: line i out is line i in, blank lines stay blank and
    a missing final newline stays missing (a newline is added only to keep two files apart)."""
    from nlp.text.segment import Segmenter

    try:
        _check_inputs(files)
        segmenter = Segmenter(engine=_value(engine), user_dicts=tuple(user_dict))
        for number, name in enumerate(files):
            text = _read_input(name)
            out = "\n".join("  ".join(segmenter.cut(line.strip())) for line in text.split("\n"))
            if text and not text.endswith("\n") and number < len(files) - 1:
                out += "\n"
            typer.echo(out, nl=False)
    except NlpError as error:
        raise _fail(error)


def _read_input(name: str) -> str:
    """A text file, or standard input for ``-``, decoded (UTF-8, GB18030, ...) with ``\\n`` line endings."""
    from nlp.errors import InputError
    from nlp.io.textio import decode_bytes

    if name == "-":
        stream = getattr(sys.stdin, "buffer", None)
        return decode_bytes(stream.read(), "<stdin>") if stream is not None else sys.stdin.read()
    path = Path(name)
    if path.is_dir():
        raise InputError(name, "is a directory; segment reads text files")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(name, error.strerror or str(error)) from None
    return decode_bytes(data, name)


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
    engine: EngineChoice = Engine,
    boilerplate: List[Path] = typer.Option([], "--boilerplate", help="Extra cleaning rules (JSON, same keys as nlp/data/boilerplate.json)."),
) -> None:
    """Propose words jieba splits but the corpus shows to be units, as a ranked user dictionary."""
    from nlp.text.newwords import DiscoveryOptions
    from nlp.jobs.newwords import discover_from_paths, write_user_dict

    engine = _value(engine)
    try:
        _check_inputs(corpus)
        _check_output(output, corpus)
        options = DiscoveryOptions(min_count=min_count, min_cohesion=min_cohesion, min_entropy=min_entropy,
                                   min_binding=min_binding, max_words=max_words)
        settings = _settings(engine=engine, boilerplate_files=tuple(boilerplate))
        words, n_docs = discover_from_paths(corpus, options=options, settings=settings)
        evidence = write_user_dict(words, output, engine=engine)
    except NlpError as error:
        raise _fail(error)
    typer.echo(f"{_count(len(words), 'new word')} from {_count(n_docs, 'document')} -> {output} (evidence: {evidence})", err=True)


def _deduper():
    from nlp.jobs.dedup import Deduper

    return Deduper()


@app.command("dedup")
def dedup_command(
    inputs: List[str] = typer.Argument(..., help="Posts, HTML, text, JSON Lines or directories."),
    output: Path = typer.Option(..., "-o", "--output", help="Groups as JSON Lines, one group per line."),
    threshold: float = typer.Option(THRESHOLD, "--threshold", min=0.0, max=1.0,
                                    help="Minimum estimated Jaccard similarity of token bigrams."),
    containment: float = typer.Option(CONTAINMENT, "--containment", min=0.0, max=1.0,
                                      help="Also group a text whose shingles are at least this share inside a longer "
                                           "one (a teaser and its full story)."),
    jaccard_only: bool = typer.Option(False, "--jaccard-only", help="Group by Jaccard similarity alone (no containment)."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Worker processes reading, segmenting and signing articles."),
    user_dict: List[Path] = UserDicts,
    engine: EngineChoice = Engine,
) -> None:
    """Find groups of near-identical articles (MinHash LSH over token shingles)."""
    from nlp.jobs.dedup import dedup_paths
    from nlp.io.textio import write_text_file

    _warn_jobs(jobs)
    try:
        _check_inputs(inputs)
        _check_output(output, inputs)
        result = dedup_paths(inputs, settings=_settings(engine=_value(engine), user_dicts=tuple(user_dict)), jobs=jobs,
                             threshold=threshold, containment=None if jaccard_only else containment)
        write_text_file(output, "".join(json.dumps(group, ensure_ascii=False) + "\n" for group in result.groups))
    except NlpError as error:
        raise _fail(error)
    duplicates = sum(g["size"] - 1 for g in result.groups)
    typer.echo(f"{len(result.groups)} groups, {duplicates} near-duplicates among {result.documents} articles "
               f"({result.failed} unreadable) -> {output}", err=True)


@app.command("train-entities")
def train_entities(
    data: List[Path] = typer.Argument(..., help='Labelled sentences, JSON Lines {"text", "entities": [{"type", "start", "end"}]}.'),
    output: Path = typer.Option(..., "-o", "--output", help="Entity model directory to write."),
    c1: float = typer.Option(0.05, "--c1", min=0.0, help="L1 penalty of the CRF."),
    c2: float = typer.Option(0.01, "--c2", min=0.0, help="L2 penalty of the CRF."),
    iterations: int = typer.Option(100, "--iterations", min=1, help="Maximum L-BFGS iterations."),
    name: Optional[str] = typer.Option(None, "--name", help="Model name in the card (default: directory name)."),
    lexicon: Optional[str] = typer.Option(None, "--lexicon", metavar="jieba|FILE",
                                          help="Also read a lexicon of place/person/organisation words: jieba's "
                                               "dictionary, or a file in its form (word count tag; ns, nr, nt)."),
    cluster_text: List[Path] = typer.Option([], "--cluster-text", metavar="FILE",
                                            help="Also read character clusters learned from this unlabelled text "
                                                 "(lines of a text file, title/text of .jsonl lines); repeatable."),
    clusters: int = typer.Option(256, "--clusters", min=2, help="Number of character clusters."),
    segmentation: Optional[EngineChoice] = typer.Option(None, "--segmentation",
                                               help="Also read each character's word and part of speech as this "
                                                    "segmenter tags the sentence (the pipeline passes its own tokens)."),
) -> None:
    """Train a named-entity recognizer (character CRF) and write it with its model card."""
    from nlp.entities import TrainOptions, read_examples, train
    from nlp.entities.clusters import learn_clusters, read_texts
    from nlp.entities.lexicon import read_jieba_lexicon

    try:
        examples = read_examples(data)
        resources: dict = {}
        card: dict = {"trained_on": [str(path) for path in data]}
        if lexicon:
            resources["lexicon"] = read_jieba_lexicon(None if lexicon == "jieba" else Path(lexicon))
            card["lexicon"] = lexicon
        if cluster_text:
            resources["clusters"] = learn_clusters(read_texts(cluster_text), k=clusters)
            card["cluster_text"] = [str(path) for path in cluster_text]
        if segmentation:
            resources["segmentation"] = _value(segmentation)
        recognizer = train(examples, options=TrainOptions(c1=c1, c2=c2, max_iterations=iterations), card=card,
                           **resources)
        card = recognizer.save(output, name=name)
    except NlpError as error:
        raise _fail(str(error))
    typer.echo(f"trained on {len(examples)} sentences, {len(card['types'])} types -> {output}", err=True)


@app.command("evaluate-entities")
def evaluate_entities(
    data: List[Path] = typer.Argument(..., help="Labelled sentences (same form as train-entities)."),
    model: Path = typer.Option(..., "--model", help="Entity model directory."),
    coarse: bool = typer.Option(False, "--coarse", help="Score as PER/LOC/ORG (fine types mapped, the rest dropped)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Per-type precision, recall and F1 of exact entity spans, and their micro average."""
    from nlp.entities import EntityRecognizer, evaluate, format_evaluation, read_examples

    try:
        result = evaluate(EntityRecognizer.load(model), read_examples(data), coarse=coarse)
    except NlpError as error:
        raise _fail(str(error))
    typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) if as_json else format_evaluation(result))


VERBOSE = ("-v", "--verbose")


def hoist_verbose(args: list[str]) -> list[str]:
    """``-v``/``--verbose`` anywhere before ``--`` moved in front of the subcommand, where the
    program-wide option is parsed (``nlp annotate x -v`` then works as ``nlp -v annotate x``)."""
    end = args.index("--") if "--" in args else len(args)
    flags = [a for a in args[:end] if a in VERBOSE]
    return flags[:1] + [a for a in args[:end] if a not in VERBOSE] + args[end:] if flags else args


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: loopback only)."),
    port: int = typer.Option(8000, "--port", min=0, max=65535),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes, each with its own pipeline."),
    model: Optional[str] = typer.Option(None, "--model", help="Model directory; 'none' turns classification off (default: models/default)."),
    api_key: Optional[str] = typer.Option(None, "--api-key", envvar="NLP_API_KEY", help="Require this key on every /v1 call."),
    max_bytes: int = typer.Option(4 * 1024 * 1024, "--max-bytes", min=1, help="Refuse request bodies larger than this (413)."),
    timeout: float = typer.Option(30.0, "--timeout", min=0.001, help="Seconds a request may take, queueing included (504)."),
    method: MethodChoice = Method,
    top_k: int = TopK,
    idf: Optional[Path] = IdfFile,
    user_dict: List[Path] = UserDicts,
    engine: EngineChoice = Engine,
    min_score: Optional[float] = typer.Option(None, "--min-score", min=0.0, max=1.0, help="Leave category.label null below this probability (default: the model card's min_score)."),
    min_chars: Optional[int] = typer.Option(None, "--min-chars", min=0, help="Leave category.label null for fewer Chinese characters of clean text (default: the model card's min_chars)."),
    boilerplate: List[Path] = typer.Option([], "--boilerplate", metavar="FILE", help="Extra cleaning rules (JSON, same keys as nlp/data/boilerplate.json)."),
    timezone: str = typer.Option(DEFAULT_NAIVE_OFFSET, "--timezone", help="Offset or zone for dates written without one (default: Beijing time)."),
    entities: Optional[str] = EntitiesOption,
) -> None:
    """Serve annotation over HTTP: POST /v1/annotate answers the record 'nlp annotate' writes."""
    from nlp.serve.config import ServeConfig
    from nlp.serve.server import serve as run_server

    try:
        settings = _settings(engine=_value(engine), method=_value(method), top_k=top_k, idf_path=idf, user_dicts=tuple(user_dict),
                             boilerplate_files=tuple(boilerplate), min_score=min_score, min_chars=min_chars,
                             naive_utc_offset=timezone, **_entity_settings(entities))
        from nlp.jobs.annotate import check_settings_files

        check_settings_files(settings)  # a typo in --idf or --user-dict is an error now, not in every worker
        run_server(ServeConfig(settings, _model_dir(model), max_bytes, timeout), host=host, port=port, workers=workers,
                   api_key=api_key)
    except NlpError as error:
        raise _fail(error)


def main() -> None:
    try:
        app(args=hoist_verbose(sys.argv[1:]), prog_name="nlp")
    except NlpError as error:  # raised before a command's own handling: a compiled module missing or stale
        raise SystemExit(_fail(error).exit_code) from None


if __name__ == "__main__":
    main()
