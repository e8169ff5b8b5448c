"""Is qa as right on a messy folder of mixed formats as on plain text? The same BBC News articles written out twice,
(a) every one as .txt and (b) each in one of .txt, .md, .html, .pdf, .docx, then the same questions against both.

    python benchmarks/mixed_formats.py                     # 400 articles (every questioned one included), ~3 min
    python benchmarks/mixed_formats.py --articles 2225     # all of them
    python benchmarks/mixed_formats.py --keep /tmp/mixed   # keep the folders to look at (research-only data!);
                                                           # run again with the same settings, they are reused
    python benchmarks/mixed_formats.py --split both        # the choose and the held-out check questions

Formats are given round-robin over the articles in a seeded shuffle. The .html is the article inside a news page
(menu, cookie banner, header, byline, related links, footer); the .pdf is that page printed by headless Chromium
(with Chromium's own running header and footer: date, title, file address, page numbers); the .md has YAML front
matter (title, date); the .docx has its title in the Title style and a running header. A format whose tool is
missing (chromium, python-docx) is left out, saying so.

Questions: benchmarks/data/bbc_questions_<split>.jsonl; hit@k as in peers.py (a passage of the right article
holding the answer string, SQuAD-normalised, among the top k), per folder and per format of the article asked about.
Every returned citation is also checked: the article text sliced by the passage's start/end is the passage, the
same for the best sentence, the title is the BBC headline, no page furniture (menu, cookie banner, related links,
footer, running header) is in a passage, and a PDF passage is on the pages its citation names. And every article of
the mixed folder is compared with its .txt: the words read (title, body) against the words written.

The BBC data is for research use only: the folders are written in a temporary directory and removed after.
"""

from __future__ import annotations

import argparse
import datetime
import html
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peers_data import DataError, Question, contains_answer, load_bbc  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
KS = (1, 3, 5)
FORMATS = ("txt", "md", "html", "pdf", "docx")
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser") or ""
SITE = "Daily Wire Service"
NAV = ("Home", "World", "Business", "Politics", "Technology", "Entertainment", "Sport", "Weather")
COOKIE = "We use cookies to give you the best online experience. Manage your cookie settings."
FOOTER = "Copyright 2005 Daily Wire Service. All rights reserved. Terms of use. Privacy policy. Contact us."
RELATED = "More on this story"
DOCX_HEADER = "Daily Wire Service archive copy"
# Text that is page furniture, never an article's: none of it may appear in a passage.
FURNITURE = (COOKIE, FOOTER, RELATED, DOCX_HEADER, "Home World Business Politics", "file://", SITE)


def paragraphs(text: str) -> tuple[str, list[str]]:
    """The BBC file's headline (line 1, its spaces as a title shows them: one at a time) and its body paragraphs
    (separated by blank lines)."""
    title, _, body = text.partition("\n")
    return " ".join(title.split()), [" ".join(block.split()) for block in re.split(r"\n\s*\n", body) if block.strip()]


def article_date(rng: random.Random) -> str:
    return (datetime.date(2004, 1, 1) + datetime.timedelta(days=rng.randrange(730))).isoformat()


def news_page(title: str, body: list[str], date: str, related: list[str]) -> str:
    nav = "".join(f'<li><a href="/{item.lower()}">{item}</a></li>' for item in NAV)
    links = "".join(f'<li><a href="/news/{n}">{html.escape(other)}</a></li>' for n, other in enumerate(related))
    paras = "".join(f"<p>{html.escape(p)}</p>\n" for p in body)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} - {SITE}</title>
<meta name="viewport" content="width=device-width"><style>body{{font-family:serif;max-width:40em;margin:auto}}
nav ul{{list-style:none;display:flex;gap:1em;padding:0}} aside{{border-top:1px solid #999}}</style></head>
<body>
<div class="cookie-banner" role="dialog"><p>{COOKIE}</p><button>Accept all</button><button>Reject</button></div>
<header><a class="logo" href="/">{SITE}</a><nav><ul>{nav}</ul></nav></header>
<main>
<article><h1>{html.escape(title)}</h1>
<p class="byline">By a staff reporter, <time datetime="{date}">{date}</time></p>
{paras}</article>
<aside class="related"><h2>{RELATED}</h2><ul>{links}</ul></aside>
</main>
<footer><p>{FOOTER}</p></footer>
</body></html>
"""


def write_docx(path: Path, title: str, body: list[str]) -> None:
    import docx  # python-docx: only for this format

    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = DOCX_HEADER
    document.add_heading(title, level=0)  # level 0 is the Title style
    for paragraph in body:
        document.add_paragraph(paragraph)
    document.save(str(path))


def print_pdfs(pages: list[tuple[Path, Path]]) -> None:
    """Each (html, pdf) printed by headless Chromium, as a user would: Chromium's header and footer left on."""
    for page, pdf in pages:
        subprocess.run(["nice", "-n", "19", CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                        f"--print-to-pdf={pdf}", page.as_uri()], check=True, capture_output=True, timeout=120)


def build(texts: dict[str, str], chosen: list[str], formats: list[str], seed: int, plain: Path,
          mixed: Path) -> dict[str, str]:
    """Write `chosen` into `plain` (all .txt) and `mixed` (round-robin formats). Returns article -> format."""
    rng = random.Random(seed)
    order = sorted(chosen)
    rng.shuffle(order)
    fmt = {name: formats[number % len(formats)] for number, name in enumerate(order)}
    titles = [paragraphs(texts[name])[0] for name in order]
    to_print: list[tuple[Path, Path]] = []
    pages = mixed.parent / "pages"
    for name in order:
        text = texts[name]
        title, body = paragraphs(text)
        stem = name.removesuffix(".txt")
        for folder in (plain, mixed):
            (folder / stem).parent.mkdir(parents=True, exist_ok=True)
        (plain / f"{stem}.txt").write_text(text, encoding="utf-8")
        date = article_date(rng)
        related = rng.sample([t for t in titles if t != title], 4)
        kind = fmt[name]
        target = mixed / f"{stem}.{kind}"
        if kind == "txt":
            target.write_text(text, encoding="utf-8")
        elif kind == "md":
            front = f'---\ntitle: "{title.replace(chr(34), chr(92) + chr(34))}"\ndate: {date}\n---\n\n'
            target.write_text(front + "\n\n".join(body) + "\n", encoding="utf-8")
        elif kind == "html":
            target.write_text(news_page(title, body, date, related), encoding="utf-8")
        elif kind == "pdf":
            source = pages / f"{stem}.html"
            source.parent.mkdir(parents=True, exist_ok=True)
            source.write_text(news_page(title, body, date, related), encoding="utf-8")
            to_print.append((source, target))
        elif kind == "docx":
            write_docx(target, title, body)
    print_pdfs(to_print)
    return fmt


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def alnum(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def pdf_pages(path: Path) -> list[str]:
    import pypdf

    # NFKC: the page's own text may spell "fi" as the ligature "ﬁ", which qa's text writes as letters
    return [alnum(unicodedata.normalize("NFKC", page.extract_text() or "")) for page in pypdf.PdfReader(path).pages]


def evaluate(folder: Path, work: Path, questions: list[Question], texts: dict[str, str], fmt: dict[str, str],
             label: str) -> dict[str, object]:
    """Ask every question; return ranks per question and every citation problem seen."""
    from qa import Collection

    started = time.perf_counter()
    problems: list[str] = []
    ranks: list[int] = []
    pdf_cache: dict[str, list[str]] = {}
    with Collection(folder, index_dir=work / f"index-{label}") as docs:
        index = docs.index
        build_seconds = time.perf_counter() - started
        # Every article read: its words against the words written.
        fidelity: dict[str, Counter[str]] = defaultdict(Counter)
        for info in docs.documents():
            name = f"{info.id}.txt"
            kind = fmt[name] if label == "mixed" else "txt"
            title, body = paragraphs(texts[name])
            read = index.article_text(index.article_number(info.id))
            fidelity[kind]["articles"] += 1
            if info.title != title:
                fidelity[kind]["title differs"] += 1
                problems.append(f"{info.source}: title {info.title!r}, expected {title!r}")
            if words(read[info.body_start:]) != words(" ".join(body)):
                fidelity[kind]["body words differ"] += 1
                got, want = words(read[info.body_start:]), words(" ".join(body))
                extra = Counter(got) - Counter(want)
                lost = Counter(want) - Counter(got)
                problems.append(f"{info.source}: body words differ ({sum(lost.values())} lost, "
                                f"{sum(extra.values())} extra: {' '.join(list(extra)[:12])})")
        for question in questions:
            answer = docs.ask(question.text, top_k=max(KS))
            rank = 0
            for passage in answer.passages:
                citation = passage.citation
                name = f"{citation.document_id}.txt"
                text = index.article_text(index.article_number(citation.document_id))
                if text[citation.start:citation.end] != passage.text:
                    problems.append(f"{citation.source}: passage {citation.passage} is not text[start:end]")
                best = passage.best_sentence
                if best is not None and text[best.start:best.end] != best.text:
                    problems.append(f"{citation.source}: best sentence is not text[start:end]")
                if citation.title != paragraphs(texts[name])[0]:
                    problems.append(f"{citation.source}: cited title {citation.title!r}")
                for furniture in FURNITURE:
                    if furniture in passage.text:
                        problems.append(f"{citation.source}: passage {citation.passage} holds {furniture!r}")
                if citation.source.endswith(".pdf"):
                    if citation.source not in pdf_cache:
                        pdf_cache[citation.source] = pdf_pages(folder / citation.source)
                    pages = pdf_cache[citation.source]
                    head, tail = alnum(passage.text)[:40], alnum(passage.text)[-40:]
                    if citation.page is None or head not in pages[citation.page - 1]:
                        problems.append(f"{citation.source}: passage {citation.passage} start not on page "
                                        f"{citation.page}")
                    end_page = citation.end_page or citation.page
                    if end_page is None or tail not in pages[end_page - 1]:
                        problems.append(f"{citation.source}: passage {citation.passage} end not on page {end_page}")
                if not rank and name in question.articles and contains_answer(passage.text, question.answers):
                    rank = passage.rank
            ranks.append(rank)
    return {"ranks": ranks, "problems": problems, "fidelity": fidelity, "seconds": time.perf_counter() - started,
            "build_seconds": build_seconds}


def hits(ranks: list[int]) -> str:
    return " | ".join(f"{sum(0 < r <= k for r in ranks) / max(len(ranks), 1):.3f}" for k in KS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--articles", type=int, default=400, help="articles in each folder (questioned ones first)")
    parser.add_argument("--split", choices=("choose", "check", "both"), default="choose",
                        help="which BBC questions: choose (tune on it), check (held out) or both [choose]")
    parser.add_argument("--formats", default=",".join(FORMATS), help=f"comma-separated, from {','.join(FORMATS)}")
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--keep", type=Path, help="write the folders here and keep them")
    parser.add_argument("--problems", type=int, default=20, help="citation problems to print per folder")
    args = parser.parse_args(argv)
    formats = [name.strip() for name in args.formats.split(",") if name.strip()]
    if unknown := [name for name in formats if name not in FORMATS]:
        parser.error(f"unknown formats {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    if "pdf" in formats and not CHROMIUM:
        print("pdf left out: chromium not found (apt-get install chromium, or set CHROMIUM)", file=sys.stderr)
        formats.remove("pdf")
    if "docx" in formats:
        try:
            import docx  # noqa: F401
        except ImportError:
            print("docx left out: python-docx not installed", file=sys.stderr)
            formats.remove("docx")
    try:
        dataset = load_bbc(args.data)
    except DataError as error:
        print(f"mixed_formats: error: {error}", file=sys.stderr)
        return 1
    splits = ["choose", "report"] if args.split == "both" else ["report" if args.split == "check" else "choose"]
    questions = [question for split in splits for question in dataset.splits[split]]
    texts = dict(dataset.articles)
    asked = sorted({min(question.articles) for question in questions})
    rest = sorted(set(texts) - set(asked))
    random.Random(args.seed).shuffle(rest)
    chosen = asked + rest[:max(args.articles - len(asked), 0)]
    # A question counts only its copies that are in the folder.
    questions = [Question(q.id, q.text, frozenset(q.articles & set(chosen)), q.answers) for q in questions]

    work = Path(tempfile.mkdtemp(prefix="qa-mixed-")) if args.keep is None else args.keep
    try:
        plain, mixed = work / "plain", work / "mixed"
        made = work / "made.json"  # what a kept folder was written with: the same settings reuse it
        settings = {"articles": chosen, "formats": formats, "seed": args.seed}
        started = time.perf_counter()
        if made.exists() and json.loads(made.read_text())["settings"] == settings:
            fmt = json.loads(made.read_text())["formats"]
        else:
            for folder in (plain, mixed, work / "pages"):
                if folder.exists():
                    shutil.rmtree(folder)
            fmt = build(texts, chosen, formats, args.seed, plain, mixed)
            made.write_text(json.dumps({"settings": settings, "formats": fmt}))
        for folder in work.glob("index-*"):
            shutil.rmtree(folder)  # indexed afresh, by the qa that runs this
        print(f"wrote {len(chosen)} articles twice in {time.perf_counter() - started:.0f} s: "
              + ", ".join(f"{kind} {count}" for kind, count in sorted(Counter(fmt.values()).items())),
              file=sys.stderr)
        results = {label: evaluate(folder, work, questions, texts, fmt, label)
                   for label, folder in (("plain", plain), ("mixed", mixed))}
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    asked_format = [fmt[min(q.articles)] for q in questions]
    print(f"{len(questions)} BBC questions ({args.split}), {len(chosen)} articles, seed {args.seed}\n")
    print("(format: the one the article asked about has in the mixed folder; in the plain folder it is .txt)\n")
    print("| folder | format of the article asked about | questions | hit@1 | hit@3 | hit@5 |")
    print("|---|---|---:|---:|---:|---:|")
    for label in ("plain", "mixed"):
        ranks: list[int] = results[label]["ranks"]  # type: ignore[assignment]
        print(f"| {label} | all | {len(ranks)} | {hits(ranks)} |")
        for kind in formats:
            subset = [rank for rank, asked_kind in zip(ranks, asked_format, strict=True) if asked_kind == kind]
            print(f"| {label} | {kind} | {len(subset)} | {hits(subset)} |")
    print("\n| folder | format | articles | title differs | body words differ |")
    print("|---|---|---:|---:|---:|")
    for label in ("plain", "mixed"):
        fidelity = results[label]["fidelity"]
        for kind, counts in sorted(fidelity.items()):  # type: ignore[attr-defined]
            print(f"| {label} | {kind} | {counts['articles']} | {counts['title differs']} | "
                  f"{counts['body words differ']} |")
    for label in ("plain", "mixed"):
        problems: list[str] = results[label]["problems"]  # type: ignore[assignment]
        kinds = Counter(re.sub(r"^\S+: (passage \d+ )?", "", p).split(" (")[0].split(":")[0][:50]
                        for p in problems)
        print(f"\n{label}: {len(problems)} problems, index + questions {results[label]['seconds']:.0f} s"
              + ("".join(f"\n  {count} x {kind}" for kind, count in kinds.most_common(12))))
        for problem in sorted(set(problems))[:args.problems]:
            print(f"    {problem}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
