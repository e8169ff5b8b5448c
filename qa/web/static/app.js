// The question page of qa: plain JavaScript over the JSON API, no build step, no external assets.
//
// The address chooses the view, so every view can be shared and reloaded:
//   /                                  a short introduction
//   /?q=QUESTION[&top_k=N]             the ranked passages (GET /ask; also &max_per_article, &source_prefix,
//                                      &date_from, &date_to: its options, kept in every link the page makes)
//   /?doc=ID&start=S&end=E[&q=...]     one article (GET /documents/ID), the span S..E highlighted and scrolled to
//
// Article text is only ever put into the page as text nodes (textContent, createTextNode), never as HTML, so an
// article containing <script> or other markup is shown literally and nothing in it runs.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);

  /** A new element with an optional class and text (set as text, never parsed as HTML). */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ---- offsets ------------------------------------------------------------------------------------------
  // The API counts offsets in Unicode code points (Python string indices); JavaScript strings count UTF-16
  // code units, which differ as soon as a character outside the BMP (an emoji, say) comes before the offset.

  /** `text` cut by code-point offsets: {length (in code points), cut(a, b) -> text[a:b] as Python would}. */
  function codePoints(text) {
    const units = [0];  // units[i] = UTF-16 index where code point i starts
    let at = 0;
    for (const ch of text) {
      at += ch.length;
      units.push(at);
    }
    const length = units.length - 1;
    const clamp = (i) => Math.max(0, Math.min(length, i));
    return { length, cut: (a, b) => text.slice(units[clamp(a)], units[clamp(b)]) };
  }

  /** Spans [{start, end}] shifted by -base, clipped to [0, length), sorted and merged: [[s, e], ...]. */
  function normalise(spans, base, length) {
    const out = [];
    const list = (Array.isArray(spans) ? spans : [])
      .map((s) => [Number(s.start) - base, Number(s.end) - base])
      .filter(([s, e]) => Number.isFinite(s) && Number.isFinite(e))
      .map(([s, e]) => [Math.max(0, s), Math.min(length, e)])
      .filter(([s, e]) => s < e)
      .sort((x, y) => x[0] - y[0]);
    for (const [s, e] of list) {
      const last = out[out.length - 1];
      if (last && s <= last[1]) last[1] = Math.max(last[1], e);
      else out.push([s, e]);
    }
    return out;
  }

  /** Append text[a:b] to parent as text nodes, with the parts inside `spans` wrapped in <mark>. */
  function appendMarked(parent, text, a, b, spans, makeMark) {
    let at = a;
    for (const [s0, e0] of spans) {
      const s = Math.max(s0, a);
      const e = Math.min(e0, b);
      if (s >= e) continue;
      if (s > at) parent.append(document.createTextNode(text.cut(at, s)));
      const mark = makeMark();
      mark.textContent = text.cut(s, e);
      parent.append(mark);
      at = e;
    }
    if (at < b) parent.append(document.createTextNode(text.cut(at, b)));
  }

  // ---- talking to the API -------------------------------------------------------------------------------

  /** GET a JSON resource: {ok, status, body}; status 0 when the server could not be reached. */
  async function getJSON(url) {
    let response;
    try {
      response = await fetch(url, { headers: { Accept: "application/json" } });
    } catch (error) {
      return { ok: false, status: 0, body: null };
    }
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      body = null;
    }
    return { ok: response.ok, status: response.status, body };
  }

  /** The server's reason, without the name of the field it is about ("query.q: the question is ..." -> "the
   *  question is ..."): the page has one question box, so the field needs no naming. */
  function detailOf(result) {
    const detail = result.body && typeof result.body.detail === "string" ? result.body.detail : "";
    return detail.replace(/^(query\.)?(q|question): /, "").replace(/\.$/, "");
  }

  function failure(result, what) {
    if (result.status === 0) return `Could not reach the qa server to ${what}. Is it running?`;
    return `The server could not ${what} (HTTP ${result.status})${detailOf(result) ? ": " + detailOf(result) : "."}`;
  }

  // ---- page pieces --------------------------------------------------------------------------------------

  function setStatus(text, kind) {
    const status = $("status");
    status.textContent = text;
    status.className = "status" + (kind ? " " + kind : "");
  }

  function show(view) {
    for (const id of ["intro", "results-view", "document-view"]) $(id).hidden = id !== view;
  }

  function formatBuilt(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return String(iso);
    return date.toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }

  function plural(n, word) {
    return `${Number(n).toLocaleString("en")} ${word}${n === 1 ? "" : "s"}`;
  }

  async function showHealth() {
    const health = $("health");
    const result = await getJSON("/health");
    if (!result.ok || !result.body) {
      health.textContent = result.status === 0 ? "Index: server unreachable" : "Index: unavailable";
      return;
    }
    const h = result.body;
    health.textContent = "";
    health.append(`${plural(h.articles, "article")} · ${plural(h.passages, "passage")} · built `);
    const time = el("time", "", formatBuilt(h.built_at));
    time.dateTime = String(h.built_at);
    health.append(time);
    if (h.skipped_files) health.append(` · ${plural(h.skipped_files, "file")} skipped`);
  }

  /** "/?a=1&b=2" from {a: 1, b: 2}, leaving out null and undefined values ("/" when nothing is left). */
  function pageURL(params, path = "/") {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (value !== null && value !== undefined) query.set(key, String(value));
    }
    const text = query.toString();
    return text ? `${path}?${text}` : path;
  }

  // ---- results ------------------------------------------------------------------------------------------

  const CONTEXT_CHARS = 160;  // about a line of the passage on each side of the best sentence, as `qa ask` shows

  /** Where to cut text (code points) near `at`, moving to a space within 20 characters if there is one. */
  function nearSpace(text, at, towards) {
    for (let step = 0; step < 20; step++) {
      const i = at + towards * step;
      if (i <= 0 || i >= text.length) break;
      if (/\s/.test(text.cut(i - 1, i))) return i;
    }
    return at;
  }

  /** The passage text [a, b) appended to `parent`, the matched words in <mark>, the best sentence in .best. */
  function appendPassageRange(parent, text, a, b, marks, best) {
    const makeMark = () => el("mark", "hit");
    if (!best || best[1] <= a || best[0] >= b) {
      appendMarked(parent, text, a, b, marks, makeMark);
      return;
    }
    const s = Math.max(a, best[0]);
    const e = Math.min(b, best[1]);
    appendMarked(parent, text, a, s, marks, makeMark);
    const sentence = el("span", "best");
    sentence.title = "The sentence that best answers the question";
    appendMarked(sentence, text, s, e, marks, makeMark);
    parent.append(sentence);
    appendMarked(parent, text, e, b, marks, makeMark);
  }

  /** A passage's text, its matched words and its best sentence, in passage offsets (code points). */
  function passageParts(passage) {
    const text = codePoints(String(passage.text || ""));
    const base = Number(passage.citation && passage.citation.start) || 0;
    const marks = normalise(passage.highlights, base, text.length);
    const best = passage.best_sentence ? normalise([passage.best_sentence], base, text.length)[0] : null;
    return { text, marks, best };
  }

  /** The snippet: the best sentence with about a line of the passage on each side (… where it is cut). */
  function renderSnippet(passage) {
    const p = el("p", "snippet");
    const { text, marks, best } = passageParts(passage);
    const [s, e] = best || [0, Math.min(text.length, 3 * CONTEXT_CHARS)];
    const from = s > CONTEXT_CHARS ? nearSpace(text, s - CONTEXT_CHARS, 1) : 0;
    const to = text.length - e > CONTEXT_CHARS ? nearSpace(text, e + CONTEXT_CHARS, -1) : text.length;
    if (from > 0) p.append(el("span", "cut", "…"));
    appendPassageRange(p, text, from, to, marks, best);
    if (to < text.length) p.append(el("span", "cut", "…"));
    return p;
  }

  /** The whole passage (shown by its toggle), the matched words in <mark> and the best sentence in .best. */
  function renderPassage(passage) {
    const p = el("p", "passage");
    const { text, marks, best } = passageParts(passage);
    appendPassageRange(p, text, 0, text.length, marks, best);
    return p;
  }

  /** Article text in its own language: `lang` picks the right glyphs (Japanese and Chinese forms of one Han
   *  character differ), `dir="auto"` sets Arabic and Hebrew right to left from their first strong letter. */
  function inLanguage(node, language) {
    node.dir = "auto";
    if (typeof language === "string" && /^[a-z]{2,3}$/.test(language) && language !== "und") node.lang = language;
    else node.removeAttribute("lang");
    return node;
  }

  function renderCitation(citation, question, options) {
    const p = el("p", "citation");
    const link = el("a");
    const where = { doc: citation.document_id, start: citation.start, end: citation.end };
    link.href = pageURL({ ...where, q: question, ...options });
    link.append(inLanguage(el("span", "cite-title", citation.title), citation.language));
    link.append(" ");
    link.append(el("span", "cite-file", citation.source));
    const page = citation.page === null || citation.page === undefined ? ""
      : citation.end_page && citation.end_page !== citation.page ? ` · pages ${citation.page}–${citation.end_page}`
        : ` · page ${citation.page}`;
    const position = ` · passage ${citation.passage}${page} · chars ${citation.start}–${citation.end}`;
    link.append(el("span", "cite-where", position));
    p.append(link);
    return p;
  }

  let toggles = 0;

  function renderResult(passage, question, options) {
    const item = el("li", "result");
    const head = el("div", "result-head");
    head.append(el("span", "rank", `#${passage.rank}`));
    head.append(el("span", "score", `score ${Number(passage.score).toFixed(3)}`));
    const byline = [passage.citation.author, passage.citation.date].filter((x) => typeof x === "string" && x);
    if (byline.length) head.append(el("span", "byline", byline.join(", ")));
    const whole = renderPassage(passage);
    whole.id = `passage-${++toggles}`;
    whole.hidden = true;
    const snippet = renderSnippet(passage);
    for (const text of [snippet, whole]) inLanguage(text, passage.citation.language);
    const toggle = el("button", "toggle", "Whole passage");
    toggle.type = "button";
    toggle.setAttribute("aria-expanded", "false");
    toggle.setAttribute("aria-controls", whole.id);
    toggle.addEventListener("click", () => {
      const open = whole.hidden;
      whole.hidden = !open;
      snippet.hidden = open;
      toggle.setAttribute("aria-expanded", String(open));
      toggle.textContent = open ? "Best sentence only" : "Whole passage";
    });
    const foot = el("div", "result-foot");
    foot.append(renderCitation(passage.citation, question, options), toggle);
    item.append(head, snippet, whole, foot);
    return item;
  }

  /** "Not in any article: zepelin (did you mean zeppelin?)", each suggestion a link that asks again with it. */
  function showUnknown(answer, question, options) {
    const unknown = Array.isArray(answer.unknown_terms) ? answer.unknown_terms : [];
    const box = $("unknown");
    box.textContent = "";
    box.hidden = !unknown.length || !(answer.passages && answer.passages.length) && !hasSuggestions(answer);
    if (box.hidden) return;
    const offered = new Map((Array.isArray(answer.suggestions) ? answer.suggestions : [])
      .filter((s) => s && Array.isArray(s.did_you_mean) && s.did_you_mean.length)
      .map((s) => [s.word, s.did_you_mean]));
    box.append("Not in any article: ");
    unknown.forEach((word, i) => {
      if (i) box.append(", ");
      box.append(el("span", "unknown-word", word));
      const instead = offered.get(word);
      if (!instead) return;
      box.append(" (did you mean ");
      instead.forEach((other, j) => {
        if (j) box.append(" or ");
        const link = el("a", "suggestion", other);
        link.href = pageURL({ q: replaceWord(question, word, other), ...options });
        box.append(link);
      });
      box.append("?)");
    });
  }

  function hasSuggestions(answer) {
    return Array.isArray(answer.suggestions) && answer.suggestions.some((s) => s.did_you_mean && s.did_you_mean.length);
  }

  /** The question with its first `word` replaced by `other`. */
  function replaceWord(question, word, other) {
    const at = question.indexOf(word);
    return at < 0 ? question : question.slice(0, at) + other + question.slice(at + word.length);
  }

  async function showResults(question, options) {
    $("q").value = question;
    document.title = question.trim() ? `${question.trim()} - qa` : "qa: ask the articles";
    show("results-view");
    const list = $("results");
    list.textContent = "";
    $("unknown").hidden = true;
    $("legend").hidden = true;
    if (!question.trim()) {
      setStatus("The question is empty: type a question, then press Enter.", "error");
      $("q").focus();
      return;
    }
    setStatus("Searching…");
    list.setAttribute("aria-busy", "true");
    const result = await getJSON(pageURL({ q: question, ...options }, "/ask"));
    list.removeAttribute("aria-busy");
    if (!result.ok || !result.body) {
      const invalid = result.status === 422;
      setStatus(invalid ? `This question cannot be asked: ${detailOf(result)}.` : failure(result, "answer"), "error");
      return;
    }
    const answer = result.body;
    const passages = Array.isArray(answer.passages) ? answer.passages : [];
    showUnknown(answer, question, options);
    if (!passages.length) {
      setStatus(answer.message || "No passage matches this question.", "empty");
      return;
    }
    const took = Number(answer.took_ms);
    const searched = (Array.isArray(answer.terms) ? answer.terms : [])
      .map((t) => (t && typeof t.word === "string" ? t.word : ""))
      .filter((word, i, all) => word && all.indexOf(word) === i);
    const terms = searched.length ? ` · searched for ${searched.join(", ")}` : "";
    setStatus(`${plural(passages.length, "passage")}${terms}${filterNote(options)}`
              + `${Number.isFinite(took) ? ` · ${took} ms` : ""}`);
    $("legend").hidden = false;
    for (const passage of passages) list.append(renderResult(passage, question, options));
  }

  // ---- one article --------------------------------------------------------------------------------------

  /** An http(s) address from article metadata, or null (never a javascript: or data: link). */
  function webAddress(value) {
    if (typeof value !== "string") return null;
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  /** "42" -> 42; anything else (missing, negative, "1e3", "x") -> null. */
  function wholeNumber(value) {
    if (value === null || !/^\d+$/.test(value)) return null;
    return Number(value);
  }

  const FILTERS = ["source_prefix", "date_from", "date_to"];

  /** The options of GET /ask that the address gives besides the question (`top_k`, `max_per_article` and the
   * filters), kept in every link the page makes, so a filtered question stays filtered when it is shared,
   * reloaded, asked again or left for an article and back. */
  function askOptions(params) {
    const options = { top_k: wholeNumber(params.get("top_k")),
                      max_per_article: wholeNumber(params.get("max_per_article")) };
    for (const name of FILTERS) options[name] = params.get(name);
    return options;
  }

  /** " · filter source_prefix=business/, date_from=2024-01-01" for the status line, or "". */
  function filterNote(options) {
    const given = FILTERS.filter((name) => options[name] !== null && options[name] !== undefined);
    return given.length ? ` · filter ${given.map((name) => `${name}=${options[name]}`).join(", ")}` : "";
  }

  async function showDocument(id, startParam, endParam, question, options) {
    $("q").value = question || "";
    show("document-view");
    const back = $("back");
    back.href = question ? pageURL({ q: question, ...options }) : "/";
    back.textContent = question ? "← Back to results" : "← Ask a question";
    $("doc-title").textContent = id;
    setStatus("Loading the article…");
    const path = id.split("/").map(encodeURIComponent).join("/");
    const result = await getJSON(`/documents/${path}`);
    if (!result.ok || !result.body) {
      const why = result.status === 404 ? `No article with id “${id}”.` : failure(result, "load the article");
      setStatus(why, "error");
      return;
    }
    const doc = result.body;
    const text = codePoints(String(doc.text || ""));
    let start = wholeNumber(startParam);
    let end = wholeNumber(endParam);
    if (start === null || end === null || start >= end || end > text.length) {
      if (startParam !== null || endParam !== null) setStatus("The cited span is not in this article.", "error");
      else setStatus("");
      start = end = null;
    } else {
      setStatus("");
    }
    document.title = `${doc.title} - qa`;
    $("doc-title").textContent = doc.title;
    inLanguage($("doc-title"), doc.language);
    inLanguage($("doc-text"), doc.language);
    const spans = Array.isArray(doc.passages) ? doc.passages : [];
    const numbered = spans.find((p) => p.start === start && p.end === end);
    let where = doc.source;
    if (numbered) where += ` · passage ${numbered.passage} of ${spans.length}`;
    if (start !== null) where += ` · chars ${start}–${end}`;
    const meta = $("doc-meta");
    meta.textContent = where;
    const byline = [doc.author, doc.date].filter((x) => typeof x === "string" && x);
    const original = webAddress(doc.source_url);
    if (byline.length || original) {
      meta.append(el("br"), byline.join(", "));
      if (original) {
        const link = el("a", "", "original article");
        link.href = original;
        link.rel = "noopener noreferrer";
        meta.append(byline.length ? " · " : "", link);
      }
    }

    const body = $("doc-text");
    body.textContent = "";
    const bodyStart = Math.max(0, Math.min(text.length, Number(doc.body_start) || 0));
    const from = start !== null && start < bodyStart ? 0 : bodyStart;  // the title line is the heading
    if (start === null) {
      body.append(document.createTextNode(text.cut(from, text.length)));
      return;
    }
    body.append(document.createTextNode(text.cut(from, start)));
    const cited = el("span", "cited");
    cited.id = "cited";
    fillCited(cited, text, start, end, []);
    body.append(cited, document.createTextNode(text.cut(end, text.length)));
    cited.scrollIntoView({ block: "center" });
    if (question && question.trim()) markQuestionWords(doc.id, text, start, end, question, options);
  }

  /** The cited span: one element (#cited, whose text is exactly the passage) holding a <mark> per line, so that
   *  the blank lines between paragraphs are not painted; `hits` (article offsets) are marked inside it. */
  function fillCited(cited, text, start, end, hits) {
    cited.textContent = "";
    let at = start;
    for (const piece of text.cut(start, end).split(/(\n+)/)) {
      const length = Array.from(piece).length;
      if (piece.startsWith("\n")) {
        cited.append(document.createTextNode(piece));
      } else if (length) {
        const line = el("mark", "line");
        appendMarked(line, text, at, at + length, hits, () => el("mark", "hit"));
        cited.append(line);
      }
      at += length;
    }
  }

  /** Mark the question's words in the cited passage too, as the results did: ask again and find the passage. */
  async function markQuestionWords(id, text, start, end, question, options) {
    const result = await getJSON(pageURL({ q: question, ...options, top_k: 100 }, "/ask"));  // 100: the API's largest
    const passages = result.ok && result.body && Array.isArray(result.body.passages) ? result.body.passages : [];
    const same = passages.find((p) => p.citation && p.citation.document_id === id
                                      && p.citation.start === start && p.citation.end === end);
    const cited = $("cited");
    if (!same || !cited) return;
    fillCited(cited, text, start, end, normalise(same.highlights, 0, text.length));
  }

  // ---- routing ------------------------------------------------------------------------------------------

  function route() {
    const params = new URLSearchParams(location.search);
    const options = askOptions(params);
    const question = params.get("q");
    if (params.has("doc")) {
      showDocument(params.get("doc"), params.get("start"), params.get("end"), question, options);
    } else if (question !== null) {
      showResults(question, options);
    } else {
      show("intro");
      $("q").focus();
    }
  }

  // Enter (or the button) submits the form; the question goes into the address, then the page shows it.
  $("ask").addEventListener("submit", (event) => {
    event.preventDefault();
    location.assign(pageURL({ q: $("q").value, ...askOptions(new URLSearchParams(location.search)) }));
  });

  showHealth();
  route();
})();
