"""The page at ``/``: paste an article, see its keywords, category and entities marked in the text.

Self-contained (no external script, style sheet or font); it calls ``POST /v1/annotate`` on the same
origin.  Entities are read from the record's ``entities`` field when it has one
(``{"text", "type", "start", "end"}``, offsets into ``text``; an entity with ``"field": "title"`` is
marked in the title); a record without the field shows the text unmarked and says so.
"""

PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>zh-news-nlp · 标注文章</title>
<style>
  :root { --fg: #1d232a; --muted: #5b6570; --line: #d6dbe0; --accent: #0b5fa5; --bg: #f6f7f9; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.6 system-ui, "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; color: var(--fg); background: var(--bg); }
  main { max-width: 980px; margin: 0 auto; padding: 20px 16px 40px; }
  h1 { font-size: 1.3rem; margin: 0 0 4px; }
  p.lead { color: var(--muted); margin: 0 0 16px; }
  form, section.result { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px; margin-bottom: 16px; }
  label { display: block; font-weight: 600; margin: 10px 0 4px; }
  input[type=text], input[type=password], textarea, select { width: 100%; font: inherit; padding: 8px; border: 1px solid var(--line); border-radius: 6px; }
  textarea { min-height: 220px; resize: vertical; }
  .row { display: flex; gap: 12px; flex-wrap: wrap; }
  .row > div { flex: 1 1 220px; }
  button { margin-top: 12px; font: inherit; font-weight: 600; padding: 8px 20px; border: 0; border-radius: 6px; background: var(--accent); color: #fff; cursor: pointer; }
  button[disabled] { opacity: .6; cursor: wait; }
  #status { margin-left: 12px; color: var(--muted); }
  #status.error { color: #b00020; }
  h2 { font-size: 1.05rem; margin: 16px 0 6px; }
  h2:first-child { margin-top: 0; }
  .chips { display: flex; flex-wrap: wrap; gap: 6px; padding: 0; margin: 0; list-style: none; }
  .chips li { background: #e8f1fa; border-radius: 999px; padding: 2px 10px; }
  .chips li small { color: var(--muted); margin-left: 4px; }
  .category strong { font-size: 1.15rem; }
  .bar { display: inline-block; height: 8px; background: var(--accent); border-radius: 4px; vertical-align: middle; margin-right: 6px; }
  #doc-title { font-weight: 700; font-size: 1.1rem; }
  #doc-text { white-space: pre-wrap; line-height: 1.9; }
  mark { border-radius: 3px; padding: 0 2px; background: #fff2a8; }
  mark[data-type] { background: #ffe4b3; }
  mark[data-type^=PER], mark[data-type=nr], mark[data-type=person] { background: #cdebd3; }
  mark[data-type^=ORG], mark[data-type=nt], mark[data-type=org] { background: #cfe0fb; }
  mark[data-type^=LOC], mark[data-type^=GPE], mark[data-type=ns], mark[data-type=place] { background: #f9d3dc; }
  mark::after { content: attr(data-type); font-size: .65rem; color: var(--muted); margin-left: 2px; vertical-align: super; }
  .note, .meta { color: var(--muted); }
  [hidden] { display: none !important; }
</style>
</head>
<body>
<main>
  <h1>标注一篇新闻 · Annotate an article</h1>
  <p class="lead">粘贴文章，查看关键词、类别和实体。The page calls <code>POST /v1/annotate</code> on this server; see <a href="/openapi.json">/openapi.json</a>.</p>
  <form id="form">
    <div class="row">
      <div><label for="title">标题 Title</label><input type="text" id="title" autocomplete="off"></div>
      <div><label for="kind">输入 Input</label>
        <select id="kind"><option value="json">正文 article text</option><option value="raw">整篇帖子或 HTML · whole post / HTML page</option></select></div>
    </div>
    <label for="text">正文 Text</label>
    <textarea id="text" placeholder="在此粘贴文章正文……"></textarea>
    <details><summary>API key</summary><input type="password" id="key" autocomplete="off" placeholder="only when the server was started with --api-key"></details>
    <button type="submit" id="submit">标注 Annotate</button><span id="status" role="status"></span>
  </form>
  <section class="result" id="result" hidden>
    <h2>类别 Category</h2>
    <div class="category" id="category"></div>
    <h2>关键词 Keywords</h2>
    <ul class="chips" id="keywords"></ul>
    <h2>实体 Entities</h2>
    <ul class="chips" id="entities"></ul>
    <p class="note" id="entities-note" hidden>This server's records have no <code>entities</code> field: the text is shown unmarked.</p>
    <h2>文本 Text</h2>
    <div id="doc-title"></div>
    <div id="doc-text"></div>
    <p class="meta" id="meta"></p>
  </section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
function el(tag, text, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  return node;
}
function pct(x) { return (100 * Number(x || 0)).toFixed(1) + "%"; }
// Text with the entities that fall inside it marked (offsets first; the entity's text searched otherwise).
function marked(target, text, entities) {
  target.replaceChildren();
  const spans = [];
  let from = 0;
  for (const e of entities) {
    const word = String(e.text || e.word || "");
    let start = Number.isInteger(e.start) ? e.start : -1, end = Number.isInteger(e.end) ? e.end : -1;
    if (start < 0 || end <= start || text.slice(start, end) !== word) {
      start = word ? text.indexOf(word, from) : -1;
      end = start + word.length;
    }
    if (start < 0) continue;
    spans.push([start, end, String(e.type || e.label || "")]);
    from = end;
  }
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let at = 0;
  for (const [start, end, type] of spans) {
    if (start < at) continue;  // overlapping: the earlier span wins
    target.append(document.createTextNode(text.slice(at, start)));
    target.append(el("mark", text.slice(start, end), type ? {"data-type": type, title: type} : {}));
    at = end;
  }
  target.append(document.createTextNode(text.slice(at)));
}
function show(record) {
  const cat = $("category");
  cat.replaceChildren();
  if (record.category) {
    cat.append(el("strong", record.category.label || "（未定 undecided）"), document.createTextNode(" " + pct(record.category.score)));
    const top = el("ul", null, {class: "chips"});
    for (const t of record.category.top || []) {
      const li = el("li", t.label);
      li.prepend(el("span", null, {class: "bar", style: "width:" + Math.round(60 * t.score) + "px"}));
      li.append(el("small", pct(t.score)));
      top.append(li);
    }
    cat.append(top);
  } else {
    cat.append(el("span", "no category model on this server", {class: "note"}));
  }
  const kw = $("keywords");
  kw.replaceChildren();
  for (const k of record.keywords || []) {
    const li = el("li", k.word);
    li.append(el("small", Number(k.score).toFixed(3)));
    kw.append(li);
  }
  if (!(record.keywords || []).length) kw.append(el("li", "—"));
  const has = Array.isArray(record.entities);
  const entities = has ? record.entities : [];
  const ents = $("entities");
  ents.replaceChildren();
  for (const e of entities) {
    const li = el("li", e.text || e.word);
    li.append(el("small", e.type || e.label || ""));
    ents.append(li);
  }
  if (has && !entities.length) ents.append(el("li", "—"));
  ents.hidden = !has;
  $("entities-note").hidden = has;
  const inTitle = (e) => e.field === "title" || e.in === "title";
  marked($("doc-title"), record.title || "", entities.filter(inTitle).concat(record.title_entities || []));
  marked($("doc-text"), record.text || "", entities.filter((e) => !inTitle(e)));
  $("meta").textContent = [record.language, (record.stats || {}).chars + " chars", (record.stats || {}).tokens + " tokens",
                           record.date || ""].filter(Boolean).join(" · ");
  $("result").hidden = false;
}
$("form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const status = $("status"), button = $("submit");
  const headers = {};
  const key = $("key").value.trim();
  if (key) headers["Authorization"] = "Bearer " + key;
  let body;
  if ($("kind").value === "raw") {
    headers["Content-Type"] = "text/plain; charset=utf-8";
    body = $("text").value;
  } else {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify({title: $("title").value, text: $("text").value});
  }
  status.className = ""; status.textContent = "…"; button.disabled = true;
  document.body.dataset.state = "busy";
  try {
    const response = await fetch("/v1/annotate", {method: "POST", headers, body});
    const record = await response.json();
    if (!response.ok) throw new Error((record.error && record.error.message) || response.statusText);
    show(record);
    status.textContent = "done · request " + (response.headers.get("X-Request-ID") || "");
    document.body.dataset.state = "done";
  } catch (error) {
    status.className = "error"; status.textContent = String(error.message || error);
    document.body.dataset.state = "error";
  } finally {
    button.disabled = false;
  }
});
</script>
</body>
</html>
"""
