"""Helpers for the tests of `nlp serve`: the real server, started with `nlp serve` on a free loopback port in a subprocess, and a small
HTTP client for it (the standard library's, so what is tested is the wire, not a test client)."""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
API_KEY = "test-key-8c1f"
MAX_BYTES = 65536
_RUNNING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")


class Server:
    """A running `nlp serve` process: its port, its log, and requests to it."""

    def __init__(self, process: subprocess.Popen, port: int, lines: list[str]) -> None:
        self.process, self.port, self.lines = process, port, lines
        self.url = f"http://127.0.0.1:{port}"

    def request(self, method: str, path: str, body: bytes | str | None = None, headers: dict | None = None, *,
                key: str | None = API_KEY, chunked: bool = False) -> tuple[int, dict[str, str], bytes]:
        if isinstance(body, str):
            body = body.encode("utf-8")
        sent = dict(headers or {})
        if key is not None:
            sent.setdefault("Authorization", f"Bearer {key}")
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            if chunked:
                connection.request(method, path, body=iter([body[i:i + 8192] for i in range(0, len(body), 8192)]),
                                   headers=sent, encode_chunked=True)
            else:
                connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def log(self) -> str:
        return "\n".join(self.lines)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_server(*options: str, wait: float = 90.0) -> Server:
    """`nlp serve --port 0 OPTIONS` (uvicorn picks a free port and logs it)."""
    process = subprocess.Popen([sys.executable, str(REPO / "cli.py"), "serve", "--port", "0", *options], cwd=REPO,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    found = threading.Event()

    def read() -> None:
        for line in process.stderr:
            lines.append(line.rstrip("\n"))
            if _RUNNING.search(line):
                found.set()

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + wait
    while not found.wait(0.1):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("nlp serve did not start:\n" + "\n".join(lines))
    port = int(next(m.group(1) for line in lines if (m := _RUNNING.search(line))))
    return Server(process, port, lines)
