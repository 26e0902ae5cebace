"""`nlp serve` under load: latency, batch throughput and a soak, from a second process on loopback.

Builds seed-format posts of about 1,000 characters of body from `cnews_sample_1000` (as
benchmarks/throughput.py does), starts `nlp serve --workers 2` on a free loopback port, and from this
process (the client) measures, each phase bounded in requests and in time:

1. single-article latency: sequential `POST /v1/annotate` of raw posts over one keep-alive connection;
2. batch throughput: the same articles as JSON Lines batches of 64 on 4 connections, against
   `nlp annotate FEED.jsonl --jobs 2` on the same articles (whole process, start-up included);
3. soak: 32 connections sending single articles for 60 s; failed requests counted, and the RSS of the
   worker processes before and after.

Writes the table into README.md and docs/benchmarks.md (`serve-benchmark`).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import ROOT, data_argument, load_note, machine, measure_nlp, require
from docs import publish
from throughput import build_posts, cnews_texts

from nlp.io.readers import read_articles

RUNNING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")


def start_server(workers: int) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "serve", "--port", "0", "--workers", str(workers)],
                               cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        return process, _wait_ready(process, workers)
    except BaseException:
        stop(process)
        raise


def stop(process: subprocess.Popen) -> None:
    """SIGTERM first: uvicorn's parent then stops its workers (SIGKILL would orphan them)."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_ready(process: subprocess.Popen, workers: int) -> int:
    lines: list[str] = []
    deadline = time.monotonic() + 120
    port = None
    while port is None:
        line = process.stderr.readline()
        if not line and process.poll() is not None or time.monotonic() > deadline:
            sys.exit("nlp serve did not start:\n" + "".join(lines))
        lines.append(line)
        if found := RUNNING.search(line):
            port = int(found.group(1))
    threading.Thread(target=lambda: [None for _ in process.stderr], daemon=True).start()  # keep the pipe drained
    pids: set[int] = set()
    while len(pids) < workers and time.monotonic() < deadline:  # every worker answers (each loads its own pipeline)
        pids |= {health(port) for _ in range(8 * workers)} - {None}
        time.sleep(0.2)
    return port


def health(port: int) -> int | None:
    """The pid of the worker that answered, or None while no worker listens yet."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/v1/health")
        return json.loads(connection.getresponse().read())["pid"]
    except OSError:
        return None
    finally:
        connection.close()


def worker_rss_mb(parent: int) -> dict[int, float]:
    """RSS in MB of each child process of ``parent`` that is a uvicorn worker (from /proc)."""
    out = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            cmdline = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields.get("PPid", "0").strip()) == parent and b"multiprocessing.spawn" in cmdline:
            out[int(status.parent.name)] = int(fields["VmRSS"].split()[0]) / 1024
    return out


class Client:
    """One keep-alive connection; ``post`` returns (status, seconds)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post(self, path: str, body: bytes, content_type: str) -> tuple[int, float]:
        started = time.perf_counter()
        try:
            self.connection.request("POST", path, body=body, headers={"Content-Type": content_type})
            response = self.connection.getresponse()
            response.read()
            return response.status, time.perf_counter() - started
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            return 0, time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def latency(port: int, posts: list[bytes], requests: int, limit_s: float) -> tuple[list[float], int]:
    client, times, failed = Client(port), [], 0
    for _ in range(min(20, requests)):  # warm the connection and both workers' caches
        client.post("/v1/annotate", posts[0], "text/markdown")
    deadline = time.monotonic() + limit_s
    for n in range(requests):
        if time.monotonic() > deadline:
            break
        status, seconds = client.post("/v1/annotate", posts[n % len(posts)], "text/markdown")
        failed += status != 200
        times.append(seconds)
    return times, failed


def parallel(port: int, connections: int, bodies: list[bytes], path: str, content_type: str, *, limit_s: float,
             until_deadline: bool = False) -> tuple[float, list[float], int, int]:
    """(wall seconds, latencies, requests, failed): ``connections`` threads share ``bodies`` (or, with
    ``until_deadline``, cycle through them until ``limit_s`` has passed)."""
    lock, times, counts = threading.Lock(), [], {"next": 0, "failed": 0}
    deadline = time.monotonic() + limit_s

    def run() -> None:
        client = Client(port)
        while time.monotonic() < deadline:
            with lock:
                n = counts["next"]
                counts["next"] += 1
            if n >= len(bodies) and not until_deadline:
                return
            status, seconds = client.post(path, bodies[n % len(bodies)], content_type)
            with lock:
                times.append(seconds)
                counts["failed"] += status != 200

    started = time.perf_counter()
    threads = [threading.Thread(target=run) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, times, len(times), counts["failed"]


def article_objects(folder: Path) -> list[dict]:
    """The posts as JSON Lines objects (the fields a feed would carry), read by the CLI's reader."""
    return [{"id": a.id, "title": a.title, "html": a.body, "date": a.date, "categories": list(a.categories),
             "author": a.author} for a in read_articles([folder])]


def main() -> None:
    parser = data_argument(__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=1000, help="distinct articles built")
    parser.add_argument("--requests", type=int, default=1000, help="single-article requests timed for latency")
    parser.add_argument("--batch-posts", type=int, default=4000, help="articles sent in batches (and given to the CLI)")
    parser.add_argument("--soak", type=float, default=60.0, help="seconds of the soak")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    texts = cnews_texts(require(args.data / "cnews_sample_1000" / "cnews.sample1000.txt"))
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "posts"
        build_posts(texts, folder, args.posts)
        paths = sorted(folder.rglob("*.md"))
        posts = [p.read_bytes() for p in paths]
        chars = statistics.mean(len(a["html"]) for a in article_objects(folder)[:200])
        objects = article_objects(folder)
        many = [dict(objects[n % len(objects)], id=str(n)) for n in range(args.batch_posts)]
        feed = Path(tmp) / "feed.jsonl"
        feed.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in many), "utf-8")
        cli_s = measure_nlp(["annotate", str(feed), "--jobs", str(args.workers), "-o", str(Path(tmp) / "cli.jsonl")])[0]
        cli_rate = len(many) / cli_s

        process, port = start_server(args.workers)
        try:
            times, lat_failed = latency(port, posts, args.requests, limit_s=300)
            batches = ["".join(json.dumps(o, ensure_ascii=False) + "\n" for o in many[i:i + 64]).encode("utf-8")
                       for i in range(0, len(many), 64)]
            batch_s, _, _, batch_failed = parallel(port, 2 * args.workers, batches, "/v1/annotate/batch",
                                                   "application/x-ndjson", limit_s=600)
            batch_rate = len(many) / batch_s
            rss_before = worker_rss_mb(process.pid)
            soak_s, soak_times, soak_requests, soak_failed = parallel(
                port, args.connections, posts, "/v1/annotate", "text/markdown", limit_s=args.soak, until_deadline=True)
            rss_after = worker_rss_mb(process.pid)
        finally:
            stop(process)

    p50, p99 = percentile(times, 0.5) * 1000, percentile(times, 0.99) * 1000
    before, after = sum(rss_before.values()), sum(rss_after.values())
    ok = lambda good: "yes" if good else "**no**"  # noqa: E731
    rows = [
        "| measure | target | result | met |", "|---|---|---|---|",
        f"| single-article latency p50 ({len(times):,} sequential requests, {args.workers} workers) | <= 15 ms | "
        f"{p50:.1f} ms | {ok(p50 <= 15)} |",
        f"| single-article latency p99 | <= 60 ms | {p99:.1f} ms | {ok(p99 <= 60)} |",
        f"| batch throughput ({len(many):,} articles, batches of 64, {2 * args.workers} connections) vs "
        f"`nlp annotate --jobs {args.workers}` ({cli_rate:.0f} posts/s, whole process) | >= 80% | {batch_rate:.0f} posts/s "
        f"({100 * batch_rate / cli_rate:.0f}%) | {ok(batch_rate >= 0.8 * cli_rate)} |",
        f"| soak: {soak_s:.0f} s at {args.connections} connections, failed requests | 0 | {soak_failed} of {soak_requests:,} "
        f"({soak_requests / soak_s:.0f} req/s; p50 {percentile(soak_times, 0.5) * 1000:.0f} ms, p99 "
        f"{percentile(soak_times, 0.99) * 1000:.0f} ms) | {ok(soak_failed == 0 and lat_failed == 0 and batch_failed == 0)} |",
        f"| soak: RSS of the {len(rss_after)} workers, before -> after | flat | {before:.0f} -> {after:.0f} MB "
        f"({after - before:+.0f} MB) | {ok(after - before <= max(0.05 * before, 20))} |",
        "", f"Articles: seed-format posts built from `cnews_sample_1000`, {chars:.0f} characters of HTML body on average. "
            f"Client and server on loopback, the client in this process, the server `nlp serve --workers {args.workers}`. "
            f"{load_note(load_before)} Machine: {machine()}. Script: `python benchmarks/serve.py --data ../shared/data`.",
    ]
    publish("serve-benchmark", "\n".join(rows), write=not args.no_write)


if __name__ == "__main__":
    main()
