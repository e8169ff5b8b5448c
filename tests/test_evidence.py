"""Issue 5: best sentence, highlights, no near-duplicates, explanations, context links, unknown terms."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qa.answer.evidence import asked_kind, holds_kind
from qa.answer.search import Searcher
from qa.cli import main
from qa.corpus.sentences import split_paragraphs, split_sentences
from qa.index import Index, open_index
from qa.web.app import create_app

from .conftest import SEED_DOCUMENTS, settings_for

SHUSHA = "When did Azerbaijan and Turkey sign the Shusha Declaration?"


def test_best_sentence_is_the_answering_sentence_with_its_span(seed_index: Index) -> None:
    hit = Searcher(seed_index).ask("Who co-chaired the meeting of the digital transformation working group?",
                                   top_k=1).passages[0]
    best = hit.best_sentence
    assert best is not None
    assert best.text.startswith("The meeting was co-chaired by Azerbaijan's Digital Development")
    article = seed_index.article_text(seed_index.article_number(hit.citation.document_id))
    assert article[best.start : best.end] == best.text
    assert hit.citation.start <= best.start < best.end <= hit.citation.end


def test_best_sentence_ties_go_to_more_distinct_terms_then_earlier(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Ties\n\nCranes arrived. Cranes arrived. Cranes lift steel.\n")
    (docs / "b.txt").write_text("Other\n\nNothing here about lifting.\n")
    (docs / "c.txt").write_text("Third\n\nA third passage, so that a word in one of them weighs more than 0.\n")
    index = open_index(settings_for(docs, tmp_path / "i"))
    hit = Searcher(index).ask("cranes", top_k=1).passages[0]
    # the first of equal sentences
    assert hit.best_sentence is not None and hit.best_sentence.start == hit.citation.start


def test_highlights_match_after_analysis(seed_index: Index) -> None:
    hit = Searcher(seed_index).ask("cooperation in B2B", top_k=1).passages[0]
    article = seed_index.article_text(seed_index.article_number(hit.citation.document_id))
    words = {article[s.start : s.end] for s in hit.highlights}
    assert "cooperation" in words and "B2B" in words
    cooperate = Searcher(seed_index).ask("How do they cooperate?", top_k=3)
    for hit in cooperate.passages:
        article = seed_index.article_text(seed_index.article_number(hit.citation.document_id))
        assert {article[s.start : s.end].lower() for s in hit.highlights} <= {"cooperate", "cooperation"}
        assert hit.highlights


@pytest.fixture
def long_article(tmp_path: Path) -> Index:
    """One long article whose every passage mentions the question's terms, and a short other one."""
    docs = tmp_path / "docs"
    docs.mkdir()
    sentences = [f"The harbour crane number {i} lifted {i * 3} containers of steel today." for i in range(60)]
    (docs / "long.txt").write_text("Cranes all day\n\n" + " ".join(sentences) + "\n")
    (docs / "short.txt").write_text("One crane\n\nA single crane lifted steel at the harbour.\n")
    return open_index(settings_for(docs, tmp_path / "i", chunk_words=30, chunk_overlap=1))


def test_overlapping_passages_of_one_article_are_never_both_returned(long_article: Index) -> None:
    engine_top = long_article.engine.top_k(long_article.term_ids(["harbour", "crane", "steel"]), 10)[0]
    assert len(engine_top) == 10  # the raw ranking would return neighbours that share a sentence
    hits = Searcher(long_article).ask("harbour crane steel", top_k=10).passages
    assert len(hits) == 10
    assert len({(h.citation.document_id, h.citation.passage) for h in hits}) == 10
    for i, a in enumerate(hits):
        for b in hits[i + 1 :]:
            if a.citation.document_id == b.citation.document_id:
                assert a.citation.end <= b.citation.start or b.citation.end <= a.citation.start, \
                    (a.citation.passage, b.citation.passage)
    assert [h.rank for h in hits] == list(range(1, 11))
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_max_per_article_limits_results(long_article: Index) -> None:
    hits = Searcher(long_article, max_per_article=2).ask("harbour crane steel", top_k=5).passages
    assert [h.citation.document_id for h in hits].count("long") == 2
    assert "short" in {h.citation.document_id for h in hits}
    assert len(hits) == 3  # only three passages are allowed; the answer says so by being shorter
    per_request = Searcher(long_article).ask("harbour crane steel", top_k=5, max_per_article=1).passages
    assert sorted(h.citation.document_id for h in per_request) == ["long", "short"]


def test_explanation_adds_up_to_the_score(seed_index: Index) -> None:
    answer = Searcher(seed_index).ask(SHUSHA + " Shusha zeppelin", top_k=3, explain_scores=True)
    k1 = seed_index.engine.params.k1
    for hit in answer.passages:
        parts, pairs = hit.explanation, hit.proximity
        assert parts is not None and pairs is not None
        assert [p.term for p in parts] == ["azerbaijan", "turkey", "sign", "shusha", "declar", "zeppelin"]
        assert [p.word for p in parts] == ["Azerbaijan", "Turkey", "sign", "Shusha", "Declaration", "zeppelin"]
        total = sum(p.contribution for p in parts) + sum(p.contribution for p in pairs)
        assert total == pytest.approx(hit.score, abs=1e-9)
        assert sum(p.share for p in parts) + sum(p.contribution for p in pairs) / hit.score == pytest.approx(1.0)
        shusha = parts[3]
        assert shusha.count == 2  # asked twice, searched once
        if shusha.tf:
            expected = shusha.idf * shusha.tf * (k1 + 1) / (shusha.tf + shusha.length_norm)
            assert shusha.contribution == pytest.approx(expected)
        assert parts[5].tf == 0 and parts[5].df == 0 and parts[5].contribution == 0
        for pair in pairs:  # BM25's saturation with the pair as the term and the smaller idf (qa/proximity.py)
            idf = min(p.idf for p in parts if p.term in pair.terms)
            expected = 0.2 * idf * pair.near * (k1 + 1) / (pair.near + parts[0].length_norm)
            assert pair.near > 0 and pair.contribution == pytest.approx(expected)
    top_pairs = {tuple(pair.terms) for pair in answer.passages[0].proximity or []}
    assert ("azerbaijan", "turkey") in top_pairs
    said = {tuple(pair.words) for pair in answer.passages[0].proximity or []}
    assert ("Azerbaijan", "Turkey") in said
    assert answer.unknown_terms == ["zeppelin"]


@pytest.mark.parametrize(("question", "unknown"), [
    ("How many agreements were signed between the two countries?", []),  # the seeds never say "many"
    ("How much trade did Azerbaijan and Serbia have in 2020?", []),
    ("How many zeppelins did Azerbaijan and Serbia trade?", ["zeppelins"]),
    ("Wie viele Verträge haben Azerbaijan und Turkey unterzeichnet?",  # on an English folder: "Wie" is a word
     ["Wie", "Verträge", "haben", "und", "unterzeichnet"]),
])
def test_words_that_only_ask_are_not_reported_missing(seed_index: Index, question: str, unknown: list[str]) -> None:
    assert "many" not in seed_index.vocab and "much" not in seed_index.vocab  # else the test proves nothing
    answer = Searcher(seed_index).ask(question, top_k=1)
    assert answer.passages
    assert answer.unknown_terms == unknown


@pytest.fixture
def client(tmp_path: Path, articles_dir: Path) -> Iterator[TestClient]:
    (articles_dir / "dated.md").write_text(
        "---\ntitle: \"Port strike ends\"\ndate: 2024-03-01\nurl: https://news.example/port-strike\n"
        "author: A. Reporter\n---\n\nDock workers ended their strike on Friday. Cranes moved again.\n")
    with TestClient(create_app(settings_for(articles_dir, tmp_path / "index"))) as client:
        yield client


def test_citation_links_to_the_span_with_context(client: TestClient) -> None:
    top = client.get("/ask", params={"q": "harbour cranes tonnes"}).json()["passages"][0]
    citation = top["citation"]
    assert citation["url"] == f"/documents/harbour?start={citation['start']}&end={citation['end']}"
    document = client.get(citation["url"]).json()
    span = document["span"]
    assert span["text"] == top["text"]
    assert (span["start"], span["end"]) == (citation["start"], citation["end"])
    assert span["context"] == document["text"][span["context_start"] : span["context_end"]]
    assert span["context_start"] <= span["start"] and span["end"] <= span["context_end"]
    assert client.get("/documents/harbour").json()["span"] is None


def test_span_outside_the_article_is_422(client: TestClient) -> None:
    response = client.get("/documents/harbour", params={"start": 5, "end": 10**6})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("the span start=5, end=1000000 is not within the article")
    assert client.get("/documents/harbour", params={"start": -1}).status_code == 422


def test_front_matter_origin_is_in_the_citation(client: TestClient) -> None:
    top = client.post("/ask", json={"question": "dock workers strike", "top_k": 1}).json()["passages"][0]
    citation = top["citation"]
    assert citation["title"] == "Port strike ends"
    assert citation["source_url"] == "https://news.example/port-strike"
    assert citation["date"] == "2024-03-01" and citation["author"] == "A. Reporter"
    assert top["text"] == "Dock workers ended their strike on Friday. Cranes moved again."
    assert client.get("/documents/dated").json()["source_url"] == "https://news.example/port-strike"


def test_api_explain_and_unknown_terms(client: TestClient) -> None:
    body = client.post("/ask", json={"question": "harbour zeppelin", "explain": True}).json()
    assert body["unknown_terms"] == ["zeppelin"]
    explanation = body["passages"][0]["explanation"]
    assert [part["term"] for part in explanation] == ["harbour", "zeppelin"]
    assert [part["word"] for part in explanation] == ["harbour", "zeppelin"]
    assert sum(part["contribution"] for part in explanation) == pytest.approx(body["passages"][0]["score"])
    plain = client.get("/ask", params={"q": "harbour"}).json()
    assert plain["passages"][0]["explanation"] is None
    nothing = client.get("/ask", params={"q": "zeppelin quasar"}).json()
    assert nothing["passages"] == [] and nothing["unknown_terms"] == ["zeppelin", "quasar"]
    assert nothing["message"] == "No passage contains any of: zeppelin, quasar."
    assert nothing["suggestions"] == [{"word": "zeppelin", "did_you_mean": []}, {"word": "quasar", "did_you_mean": []}]


def test_cli_explain_and_nothing_found(tmp_path: Path, articles_dir: Path, capsys: pytest.CaptureFixture) -> None:
    args = ["--documents", str(articles_dir), "--index-dir", str(tmp_path / "i")]
    assert main(["ask", "harbour cranes", "--top-k", "1", "--explain", *args]) == 0
    out = capsys.readouterr().out
    assert "   why:\n     harbour: tf=" in out and "     cranes [crane]: tf=" in out  # the words as asked
    assert main(["ask", "zeppelin quasar", *args]) == 0
    assert capsys.readouterr().out == "No passage contains any of: zeppelin, quasar.\n"


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentences of `text[start:end]`, split afresh as the chunker splits an article."""
    return [sentence for paragraph in split_paragraphs(text, start, end)
            for sentence in split_sentences(text, *paragraph)]


def test_stored_sentences_are_the_passages_sentences(articles_dir: Path, tmp_path: Path) -> None:
    """The index keeps each passage's sentences (the chunker's) so answering never splits them again: they must be
    exactly what splitting the passage gives, for every passage, with short passages cutting long sentences."""
    for chunk_words in (500, 12):
        index = open_index(settings_for(articles_dir, tmp_path / f"i{chunk_words}", chunk_words=chunk_words))
        checked = 0
        for passage_id in range(index.engine.n_docs):
            article, start, end, _ = index.passage(passage_id)
            text = index.article_text(article)
            stored = index.passage_sentences(passage_id, start)
            assert stored == sentence_spans(text, start, end)
            assert stored[0][0] == start and stored[-1][1] == end
            checked += len(stored)
        assert checked > index.engine.n_docs  # passages of several sentences were compared


def test_matching_tokens_are_the_question_terms_tokens(seed_index: Index) -> None:
    analyzer = seed_index.analyzer
    text = seed_index.article_text(0)
    every = analyzer.tokens(text)
    terms = sorted({token.term for token in every})
    for wanted in ({"azerbaijan", "turkey"}, set(terms[::7]), {"cooper"}, {"absent-term"}, set()):
        assert analyzer.matching(text, wanted, offset=5) == [
            (token.term, token.start + 5, token.end + 5) for token in every if token.term in wanted]
    unseen = "Zyxwvut quuxified the cooperation; zyxwvut again."  # words the index has never seen
    found = analyzer.matching(unseen, {analyzer.term_of("zyxwvut"), "cooper"})
    assert [unseen[token.start : token.end] for token in found] == ["Zyxwvut", "cooperation", "zyxwvut"]


@pytest.mark.parametrize(("question", "kind"), [
    ("When did Azerbaijan and Turkey sign the Shusha Declaration?", "date"),
    ("In what year was the pipeline opened?", "date"),
    ("How many containers did the crane lift?", "number"),
    ("What percentage of trade is oil?", "percent"),
    ("How much did the new terminal cost?", "money"),
    ("How much oil is exported?", "number"),
    ("Who met the SMB agency chairman?", "name"),
    ("Where is the new harbour?", "name"),
    ("What does the declaration focus on?", None),
])
def test_what_a_question_asks_for(question: str, kind: str | None) -> None:
    assert asked_kind(question) == kind


def test_best_sentence_prefers_what_is_asked_and_ignores_the_title(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "port.txt").write_text(
        "Alat port\n\nThe Alat port opened a new terminal for ferries. The ferry terminal opened in 2018. "
        "Its terminal handles ferry traffic to Kazakhstan, said Taleh Ziyadov.\n")
    for n, topic in enumerate(["wheat harvest", "tea prices", "chess final", "rain in Baku", "metro line"]):
        (docs / f"other{n}.txt").write_text(f"Other {n}\n\nA note on the {topic}.\n")
    searcher = Searcher(open_index(settings_for(docs, tmp_path / "i")))
    # "Alat" and "port" are the title's: every sentence of the article is about them, they choose nothing
    when = searcher.ask("When did the Alat port open its ferry terminal?", top_k=1).passages[0].best_sentence
    assert when is not None and when.text == "The ferry terminal opened in 2018."
    who = searcher.ask("Who spoke about the ferry terminal of the Alat port?", top_k=1).passages[0].best_sentence
    assert who is not None and who.text.endswith("said Taleh Ziyadov.")


def test_a_century_is_a_date_even_when_the_question_says_century(seed_index: Index) -> None:
    terms = Counter(seed_index.analyzer.terms("In what century was the abbey built?"))
    text = "The abbey was built in the 12th century by monks. It was built of stone."
    assert holds_kind(seed_index, text, 0, 50, "date", terms)
    assert not holds_kind(seed_index, text, 51, len(text), "date", terms)


def test_a_question_of_title_words_still_chooses_by_them(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "port.txt").write_text("Alat port\n\nFerries run daily. The Alat port opened in 2018. Cranes lift steel.\n")
    for n, topic in enumerate(["wheat harvest", "tea prices", "chess final"]):
        (docs / f"other{n}.txt").write_text(f"Other {n}\n\nA note on the {topic}.\n")
    best = Searcher(open_index(settings_for(docs, tmp_path / "i"))).ask("Alat port", top_k=1).passages[0].best_sentence
    assert best is not None and best.text == "The Alat port opened in 2018." and best.score > 0


def _reference_best_sentence(index: Index, text: str, sentences: list[tuple[int, int]], question: str,
                             tokens: list, title: str) -> tuple[int, int, float] | None:
    """`best_sentence` written plainly (every sentence scored, every sentence checked for the asked kind, the title
    analysed each time), to check the faster one against: (start, end, score)."""
    import math
    from bisect import bisect_left

    from qa.answer.sentence import IDF_POWER, KIND_BONUS, PREVIOUS_WEIGHT, SPELLED_WEIGHT, SPREAD_POWER, WINDOW_WEIGHT

    if not sentences:
        return None
    analyzer = index.analyzer
    pairs = [(question[t.start : t.end].lower(), t.term) for t in analyzer.tokens(question)]
    counts = Counter(term for _, term in pairs)
    kind = asked_kind(question)
    count = len(sentences)
    ends = [z for _, z in sentences]
    sentence_terms: list[set[str]] = [set() for _ in sentences]
    sentence_words: list[set[str]] = [set() for _ in sentences]
    for token in tokens:
        position = min(bisect_left(ends, token.end), count - 1)
        sentence_terms[position].add(token.term)
        sentence_words[position].add(text[token.start : token.end].lower())
    subject = set(analyzer.terms(title)) if title else set()
    in_sentences = Counter(term for terms in sentence_terms for term in terms)
    idf = {term: float(index.engine.idf[index.vocab[term]]) for term in counts
           if term in index.vocab and term not in subject}
    weights = {term: counts[term] * math.copysign(abs(idf[term]) ** IDF_POWER, idf[term])
               * math.log(1 + count / in_sentences[term]) ** SPREAD_POWER for term in idf if in_sentences[term]}
    if not weights and subject:
        return _reference_best_sentence(index, text, sentences, question, tokens, "")
    asked = {word for word, term in pairs if term not in subject}
    matched = [sum(weights.get(term, 0.0) for term in terms) for terms in sentence_terms]
    top = max(matched) or 1.0
    best = None
    for position, terms in enumerate(sentence_terms):
        window = set(terms)
        for near in (position - 1, position + 1):
            if 0 <= near < count:
                window |= sentence_terms[near]
        if not window:
            continue  # neither it nor a neighbour holds a question word
        before = sentence_terms[position - 1] - terms if position else set()
        score = (matched[position] / top + SPELLED_WEIGHT * len(sentence_words[position] & asked) / (len(asked) or 1)
                 + WINDOW_WEIGHT * sum(idf.get(term, 0.0) for term in window) / (sum(idf.values()) or 1.0)
                 + PREVIOUS_WEIGHT * sum(idf.get(term, 0.0) for term in before) / (sum(idf.values()) or 1.0))
        if kind and holds_kind(index, text, *sentences[position], kind, counts):
            score += KIND_BONUS[kind]
        key = (score, len(terms & set(weights)), -position)
        if best is None or key > best:
            best = key
    if best is None:
        return (*sentences[0], 0.0)
    return (*sentences[-best[2]], round(best[0], 6))


@pytest.mark.parametrize("ascii_only", [False, True])
def test_evidence_from_a_passage_window_is_the_evidence_from_the_whole_article(tmp_path: Path,
                                                                              ascii_only: bool) -> None:
    """Hits read only their passage (`Index.article_window`, `base`) and skip work that cannot change the best
    sentence: for every passage and questions of every kind, the words and best sentence are those the whole
    article and the plain algorithm give. The seed articles as they are (not ASCII: whole articles are read) and
    made ASCII (passages are read alone)."""
    import unicodedata

    from qa.answer.evidence import best_sentence, matched_tokens, read_question

    docs = tmp_path / "docs"
    docs.mkdir()
    for path in SEED_DOCUMENTS.glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        if ascii_only:
            text = unicodedata.normalize("NFKD", text.replace("’", "'")).encode("ascii", "ignore").decode()
        (docs / path.name).write_text(text, encoding="utf-8")
    seed_index = open_index(settings_for(docs, tmp_path / "i", chunk_words=40))

    questions = [SHUSHA, "Who signed the declaration in Shusha?", "How many billion dollars of trade?",
                 "What year did the pipeline open?", "Where did Aliyev and Erdogan meet?", "Azerbaijan Turkey",
                 "cooperation in energy and B2B formats", "When was the Karabakh war?"]
    compared = partial = whole = 0
    for question in questions:
        asked = read_question(seed_index.analyzer, question)
        terms = asked.counts
        for passage_id in range(seed_index.engine.n_docs):
            article, start, end, _ = seed_index.passage(passage_id)
            title = seed_index.articles[article].title
            text = seed_index.article_text(article)
            window, base = seed_index.article_window(article, start, end)
            sentences = seed_index.passage_sentences(passage_id, start)
            tokens = matched_tokens(seed_index, window, start, end, terms, base=base)
            assert tokens == matched_tokens(seed_index, text, start, end, terms)
            best = best_sentence(seed_index, window, sentences, asked, tokens, title, base=base)
            assert best is not None and best.text == text[best.start : best.end]
            assert (best.start, best.end, best.score) == _reference_best_sentence(
                seed_index, text, sentences, question, tokens, title)
            compared += bool(tokens)
            partial += base > 0
            whole += base == 0 and start > 1
    assert compared > 40 and partial and not whole  # every passage read alone (UTF-8 offsets kept: qa.index.texts)


def test_a_later_sentence_holding_what_is_asked_wins_by_its_bonus(tmp_path: Path) -> None:
    """A sentence that scores less than an earlier one but holds the asked kind wins when the bonus lifts it
    above (sentences that cannot win even with it are not checked for the kind: this one must be)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "port.txt").write_text("Harbour\n\nFerries use the terminal daily. The terminal opened in 2018.\n")
    others = ["Shops open late.", "The market is open.", "Ferries sail.", "Tea prices.", "Open doors."]
    for n, text in enumerate(others):
        (docs / f"other{n}.txt").write_text(f"Other {n}\n\n{text}\n")
    index = open_index(settings_for(docs, tmp_path / "i"))
    question = "When did the terminal open for ferries?"
    plain = Searcher(index).ask(question.replace("When", "Why"), top_k=1).passages[0].best_sentence
    when = Searcher(index).ask(question, top_k=1).passages[0].best_sentence
    assert plain is not None and plain.text == "Ferries use the terminal daily."
    assert when is not None and when.text == "The terminal opened in 2018."


@pytest.fixture(scope="module")
def our_articles(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    """tests/data/articles indexed once for the real questions below."""
    import shutil

    from .conftest import ARTICLES

    work = tmp_path_factory.mktemp("our-articles")
    shutil.copytree(ARTICLES, work / "articles")
    return Searcher(open_index(settings_for(work / "articles", work / "index")))


@pytest.mark.parametrize(("question", "document", "sentence"), [
    ("How many rivers does the pipeline cross?", "energy/pipeline",
     "It crosses three countries and more than 1,500 rivers."),
    ("When did the chief engineer retire?", "energy/pipeline", "She retired in 2019."),
    ("Who is the project's chief engineer?", "energy/pipeline",
     "Dr. Elif Kaya, the project's chief engineer, said the line would run for fifty years."),
    ("How long is the pipeline?", "energy/pipeline", "The pipeline is 1,768 kilometres long."),
    ("When did the pipeline carry its first oil?", "energy/pipeline",
     "The Baku-Tbilisi-Ceyhan pipeline carried its first oil to the Mediterranean coast in 2006."),
    ("How many countries did the engineers come from?", "energy/pipeline",
     "Engineers from eleven countries worked on the line."),
    ("Where were dock workers trained?", "harbour", "Dock workers were trained in Rotterdam over the summer."),
    ("How many tonnes can each crane lift?", "harbour", "Each crane can lift 65 tonnes."),
    ("When did the new cranes arrive?", "harbour", "Three new cranes arrived at the northern harbour on Monday."),
    ("By how much will the cranes cut unloading times?", "harbour",
     "The harbour master said the cranes will cut unloading times by a third."),
    ("How much did trade stand at last year?", "markets", "Last year trade stood at $4.1 billion."),
    ("Who gets cheaper credit?", "markets", "Exporters in B2B and B2G formats will get cheaper credit."),
    ("What did analysts call the trade target?", "markets",
     "Analysts at the central bank called the target ambitious but reachable."),
])
def test_the_best_sentence_answers_real_questions_about_our_articles(our_articles: Searcher, question: str,
                                                                     document: str, sentence: str) -> None:
    hit = our_articles.ask(question, top_k=1).passages[0]
    assert hit.citation.document_id == document
    assert hit.best_sentence is not None and hit.best_sentence.text == sentence


def test_a_sentence_that_continues_the_one_naming_the_subject_wins_by_the_previous_part(
        our_articles: Searcher, monkeypatch: pytest.MonkeyPatch) -> None:
    """"She retired in 2019." holds only "retired" and the date; "chief engineer" is in the sentence before it,
    which without the previous sentence's part wins on its own terms."""
    import qa.answer.sentence as sentence

    question = "When did the chief engineer retire?"
    best = our_articles.ask(question, top_k=1).passages[0].best_sentence
    assert best is not None and best.text == "She retired in 2019."
    monkeypatch.setattr(sentence, "PREVIOUS_WEIGHT", 0.0)
    best = our_articles.ask(question, top_k=1).passages[0].best_sentence
    assert best is not None and best.text.startswith("Dr. Elif Kaya, the project's chief engineer")
