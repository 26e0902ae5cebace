"""Named entities: held-out accuracy on CLUENER 2020 and MSRA, cost per 1,000 characters, load time.

Estimates (never on a withheld split): a fixed 10% of cluener2020/train.jsonl (MD5 of the id, fold 0
of 10) is held out, the model is trained on the rest and scored exactly (span and type) per type;
the same CLUENER model is scored on the MSRA hold-out (same rule) through the fine -> coarse map
name -> PER, address/scene -> LOC, company/organization/government -> ORG (position, game, book,
movie dropped); and an MSRA-only model is trained on the other 90% of the MSRA sample.

    python benchmarks/entities.py --data ../shared/data                   # estimate and measure
    python benchmarks/entities.py --data ../shared/data --ship models/entities --ship-msra models/entities_msra
    python benchmarks/entities.py --data ../shared/data --model models/entities       # cost and load time only

With --ship the measured CLUENER model itself (trained on the 90%) is written with its card, so
that the card's held-out scores are that model's own; --ship-msra does the same for the MSRA
model (``make model`` runs this).  --refit instead re-fits each on all of its set before writing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, data_argument, machine, require

from nlp.entities import EntityRecognizer, TrainOptions, evaluate, format_evaluation, is_held_out, read_examples, train

CLUENER = "cluener2020/train.jsonl"
MSRA = "msra_ner/train_sample.jsonl"


def split(examples):
    kept = [e for e in examples if not is_held_out(e.id)]
    return kept, [e for e in examples if is_held_out(e.id)]


def cost(recognizer, texts, *, article_chars: int = 1000, repeats: int = 5, clock=time.perf_counter) -> float:
    """Best-of-``repeats`` milliseconds per 1,000 characters, on the texts cut into 1,000-character articles
    (``clock=time.process_time`` counts CPU time only: the measure on a machine shared with other jobs)."""
    joined = "".join(texts)
    articles = [joined[i:i + article_chars] for i in range(0, len(joined) - article_chars + 1, article_chars)]
    best = float("inf")
    for _ in range(repeats):
        started = clock()
        recognizer.predict_batch(articles)
        best = min(best, clock() - started)
    return best / (len(articles) * article_chars) * 1000 * 1000


def measure_only(directory: Path, cluener_held) -> None:
    """Cost and load time of an existing model directory (no training), as table rows."""
    recognizer = EntityRecognizer.load(directory)
    texts = [e.text for e in cluener_held]
    wall, cpu = cost(recognizer, texts), cost(recognizer, texts, clock=time.process_time)
    (load_wall, fresh_wall), (load_cpu, fresh_cpu) = (load_seconds(directory, clock=clock)
                                                      for clock in ("perf_counter", "process_time"))
    print(f"| `{directory}` | wall clock | CPU time |\n|---|---|---|\n"
          f"| entity stage, ms per 1,000-character article (held-out CLUENER text, one process, best of 5; "
          f"target 0.5) | {wall:.3f} | {cpu:.3f} |\n"
          f"| model load in a running process, ms (best of 5; target 300) | {load_wall * 1000:.0f} | {load_cpu * 1000:.0f} |\n"
          f"| model load in a fresh process with the import of nlp.entities, ms | {fresh_wall * 1000:.0f} | {fresh_cpu * 1000:.0f} |")


def load_seconds(directory: Path, *, repeats: int = 5, clock: str = "perf_counter") -> tuple[float, float]:
    """(best in-process load, best load in a fresh process including the import of nlp.entities);
    ``clock="process_time"`` counts CPU time only."""
    timer = getattr(time, clock)
    in_process = float("inf")
    for _ in range(repeats):
        started = timer()
        EntityRecognizer.load(directory)
        in_process = min(in_process, timer() - started)
    code = (f"import sys, time; t = time.{clock}(); sys.path.insert(0, sys.argv[1]); "
            f"from nlp.entities import EntityRecognizer; EntityRecognizer.load(sys.argv[2]); print(time.{clock}() - t)")
    fresh = min(float(subprocess.run([sys.executable, "-c", code, str(ROOT), str(directory)], check=True,
                                     capture_output=True, text=True).stdout) for _ in range(repeats))
    return in_process, fresh


def timed_train(examples, options, card=None):
    started = time.perf_counter()
    recognizer = train(examples, options=options, card=card)
    return recognizer, time.perf_counter() - started


def main() -> None:
    parser = data_argument(__doc__.split("\n")[0])
    parser.add_argument("--c1", type=float, default=TrainOptions.c1)
    parser.add_argument("--c2", type=float, default=TrainOptions.c2)
    parser.add_argument("--iterations", type=int, default=TrainOptions.max_iterations)
    parser.add_argument("--no-msra-model", action="store_true", help="skip training the MSRA-only model")
    parser.add_argument("--ship", type=Path, help="then train on all of CLUENER's train and write the model here")
    parser.add_argument("--ship-msra", type=Path, help="then train on all of the MSRA sample and write that model here")
    parser.add_argument("--refit", action="store_true", help="re-fit shipped models on all of their set (slower)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--model", type=Path, help="only measure cost and load time of this model directory")
    args = parser.parse_args()
    options = TrainOptions(c1=args.c1, c2=args.c2, max_iterations=args.iterations)
    cluener_train, cluener_held = split(read_examples([require(args.data / CLUENER)]))
    if args.model:
        return measure_only(args.model, cluener_held)
    msra_train, msra_held = split(read_examples([require(args.data / MSRA)]))
    print(f"{machine()}; options {options}")
    print(f"CLUENER: train {len(cluener_train)}, held out {len(cluener_held)}; "
          f"MSRA: train {len(msra_train)}, held out {len(msra_held)} sentences")

    recognizer, seconds = timed_train(cluener_train, options)
    cluener = evaluate(recognizer, cluener_held)
    print(f"\nCLUENER hold-out (trained in {seconds:.0f} s, {len(recognizer.offsets) - 1} features, "
          f"{len(recognizer.values)} weights):\n{format_evaluation(cluener)}")
    transfer = evaluate(recognizer, msra_held, coarse=True)
    print(f"\nMSRA hold-out, CLUENER model mapped to PER/LOC/ORG:\n{format_evaluation(transfer)}")
    results = {"options": options.__dict__, "cluener_held_out": cluener.to_dict(), "msra_held_out_cluener_model": transfer.to_dict()}
    if not args.no_msra_model:
        msra_model, seconds = timed_train(msra_train, options)
        own = evaluate(msra_model, msra_held)
        print(f"\nMSRA hold-out, MSRA-only model (trained in {seconds:.0f} s):\n{format_evaluation(own)}")
        results["msra_held_out_msra_model"] = own.to_dict()

    with tempfile.TemporaryDirectory() as folder:
        recognizer.save(Path(folder) / "model")
        in_process, fresh = load_seconds(Path(folder) / "model")
        size = (Path(folder) / "model" / "entities.npz").stat().st_size
    ms = cost(recognizer, [e.text for e in cluener_held])
    print(f"\ncost: {ms:.3f} ms per 1,000 characters (1,000-character articles of held-out text, best of 5); "
          f"load {in_process * 1000:.0f} ms in process, {fresh * 1000:.0f} ms in a fresh process with the import; "
          f"model file {size / 1e6:.1f} MB")
    results["cost"] = {"ms_per_1000_chars": round(ms, 4), "load_seconds": round(in_process, 4),
                       "load_seconds_fresh_process": round(fresh, 4), "model_bytes": size}

    command = "python benchmarks/entities.py " + " ".join(sys.argv[1:])
    if args.ship:
        ship(recognizer, cluener_train + cluener_held if args.refit else None, options, args.ship, CLUENER,
             {"cluener2020 hold-out (10% by MD5 of id)": cluener.to_dict(),
              "msra_ner sample hold-out, mapped to PER/LOC/ORG": transfer.to_dict(), "cost": results["cost"]}, command)
    if args.ship_msra and not args.no_msra_model:
        ship(msra_model, msra_train + msra_held if args.refit else None, options, args.ship_msra, MSRA,
             {"msra_ner sample hold-out (10% by MD5 of id)": results["msra_held_out_msra_model"]}, command)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", "utf-8")


def ship(recognizer, refit_on, options, directory: Path, source: str, held_out: dict, command: str) -> None:
    """Write ``recognizer`` (or one re-fitted on ``refit_on``) with a card saying what it was trained on."""
    provenance = f"{source}, all sentences" if refit_on else f"{source}, the 90% not held out (MD5 of id % 10 != 0)"
    card = {"training_data": provenance, "held_out_scores": held_out,
            "held_out_note": "of this model" if refit_on is None else "of the same recipe trained without the held-out 10%",
            "label_scheme": "BIOES, character CRF (python-crfsuite, L-BFGS), hashed character features",
            "created_by": command}
    if refit_on is not None:
        recognizer, _ = timed_train(refit_on, options)
    recognizer.card.update(card)
    card = recognizer.save(directory)
    print(f"shipped {directory} (version {card['version']}, {card['model_bytes'] / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
