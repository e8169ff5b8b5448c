"""French and Italian stopwords behind an elision ("d'un", "c'est", "qu'il", "dell'una") are stopwords too. A user
trial asked "Combien gagne un vendangeur par heure ?": the French article's "d'un" was indexed as the term "un" (its
elision cut off after the stopword test), so the question's "un" matched it, and the best sentence was the lead
sentence holding "d'un" rather than "Un cueilleur est payé 12,50 euros de l'heure."."""

from __future__ import annotations

import pytest

from qa.lang.analyzers import make_analyzer


@pytest.mark.parametrize(("lang", "text", "terms"), [
    ("fr", "d'un qu'il c'est n'est l'une jusqu'à lorsqu'elle", []),
    ("fr", "l'économie d'Europe qu'Airbus", ["économ", "europ", "airbus"]),
    ("it", "dell'una nell'altro un'altra", []),
    ("it", "l'economia dell'Europa nell'anno", ["econom", "europ", "anno"]),
])
def test_a_stopword_behind_an_elision_is_a_stopword(lang: str, text: str, terms: list[str]) -> None:
    assert [token.term for token in make_analyzer(lang).tokens(text)] == terms
