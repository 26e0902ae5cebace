"""The page at `/` in a real headless Chromium, driven over the DevTools protocol the way a person uses
it: paste an article, submit, see keywords, category and (when the record has them) entities marked in
the text.  Screenshots go to test-artifacts/."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request

import pytest

from conftest import REPO
from serve.served import API_KEY

TITLE = "城市地铁新线开通运营"
TEXT = ("本市地铁十二号线今天正式开通运营，全长二十八公里，共设车站二十座。\n"
        "市交通部门介绍，新线连接城市东部的科技园区和西部的老城区，早高峰发车间隔四分钟。")


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


class Browser:
    """One headless Chromium page, commanded over its DevTools websocket."""

    def __init__(self) -> None:
        self.profile = tempfile.mkdtemp(prefix="nlp-serve-chromium-")
        self.process = subprocess.Popen(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
             "--disable-component-update", "--disable-sync", "--disable-quic", "--remote-debugging-port=0",
             f"--user-data-dir={self.profile}", "--window-size=1280,1700", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        port = None
        deadline = time.monotonic() + 60
        while port is None and time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line and self.process.poll() is not None:
                break
            if found := re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line):
                port = int(found.group(1))
        if port is None:
            self.close()
            pytest.skip("chromium started but gave no DevTools port")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as answer:
            self.page_url = next(t for t in json.load(answer) if t["type"] == "page")["webSocketDebuggerUrl"]
        self.socket = None
        self.next_id = 0

    def call(self, method: str, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=60))
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                return message.get("result", {})

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 90.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {expression}")

    def screenshot(self, name: str) -> None:
        artifacts = REPO / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        height = self.evaluate("Math.ceil(document.documentElement.scrollHeight)")
        self.call("Emulation.setDeviceMetricsOverride", width=1280, height=height, deviceScaleFactor=1, mobile=False)
        data = self.call("Page.captureScreenshot", format="png")["data"]
        (artifacts / name).write_bytes(base64.b64decode(data))
        assert (artifacts / name).stat().st_size > 10_000

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture()
def browser():
    if chromium() is None:
        pytest.skip("no chromium on this machine (apt-get install -y chromium fonts-wqy-microhei; .ci/run installs it)")
    connect = pytest.importorskip("websockets.sync.client").connect
    opened = Browser()
    try:
        with connect(opened.page_url, max_size=None, open_timeout=30) as socket:
            opened.socket = socket
            yield opened
    finally:
        opened.close()


def test_a_person_pastes_an_article_and_sees_keywords_category_and_entities(server, browser):
    browser.call("Page.enable")
    browser.call("Page.navigate", url=server.url + "/")
    browser.wait_for("document.readyState === 'complete' && !!document.getElementById('text')")
    browser.evaluate(f"document.getElementById('title').value = {json.dumps(TITLE)};"
                     f"document.getElementById('key').value = {json.dumps(API_KEY)};"
                     "document.getElementById('text').focus(); true")
    browser.call("Input.insertText", text=TEXT)  # what a paste does
    browser.evaluate("document.getElementById('submit').click(); true")
    state = browser.wait_for("['done', 'error'].includes(document.body.dataset.state) && document.body.dataset.state")
    assert state == "done", browser.evaluate("document.getElementById('status').textContent")
    keywords = browser.evaluate("[...document.querySelectorAll('#keywords li')].map(li => li.firstChild.textContent)")
    assert len(keywords) == 10 and all(word in TITLE + TEXT for word in keywords)
    assert browser.evaluate("document.querySelector('#category strong').textContent")
    assert browser.evaluate("document.getElementById('doc-text').textContent") == TEXT
    # The server's records carry the entity stage's entities: each one of the text is marked, in order.
    from nlp.doc import Article
    from nlp.pipeline import Pipeline
    from nlp.settings import Settings

    [doc] = Pipeline(Settings(top_k=0)).annotate_batch([Article(id="p", source="p", title=TITLE, body=TEXT, is_html=False)])
    marked = browser.evaluate("[...document.querySelectorAll('#doc-text mark')].map(m => m.textContent)")
    assert marked == [e.text for e in doc.entities if e.field == "text"] and marked
    browser.screenshot("serve-page.png")

    # A record with entities (as the entity stage writes them: offsets into text): each is marked where it is.
    entities = [{"text": word, "type": kind, "start": TEXT.index(word), "end": TEXT.index(word) + len(word)}
                for word, kind in (("本市", "LOC"), ("市交通部门", "ORG"), ("科技园区", "LOC"))]
    entities.append({"text": "老城区", "type": "LOC"})  # no offsets: found by its text
    entities.append({"text": "地铁", "type": "ORG", "field": "title"})
    browser.evaluate("(async () => { const r = await fetch('/v1/annotate', {method: 'POST', headers: {'Content-Type': "
                     f"'application/json', 'X-API-Key': {json.dumps(API_KEY)}}}, body: JSON.stringify({{title: "
                     f"{json.dumps(TITLE)}, text: {json.dumps(TEXT)}}})}}); const record = await r.json();"
                     f"record.entities = {json.dumps(entities, ensure_ascii=False)}; show(record); return true; }})()")
    marks = browser.evaluate("[...document.querySelectorAll('#doc-text mark')].map(m => [m.textContent, m.dataset.type])")
    assert marks == [["本市", "LOC"], ["市交通部门", "ORG"], ["科技园区", "LOC"], ["老城区", "LOC"]]
    assert browser.evaluate("[...document.querySelectorAll('#doc-title mark')].map(m => m.textContent)") == ["地铁"]
    assert browser.evaluate("document.getElementById('doc-text').textContent") == TEXT  # marking changes no character
    assert browser.evaluate("document.getElementById('entities-note').hidden")
    browser.screenshot("serve-page-entities.png")
