"""Windows-1252 files whose only bytes beyond ASCII are curly quotes, dashes and the euro sign. A user trial found one
("Council approves “green roofs” rule", "By Tom O’Brien") read as a DOS code page: "ōgreen roofsö", "Tom OÆBrien",
"31¢9" and "Ć40", because charset-normalizer rated that reading a hair better (chaos 0.0 against 0.006)."""

from __future__ import annotations

import pytest

from qa.corpus.read import decode

TEXTS = [
    "Council approves “green roofs” rule for new offices\nBy Tom O’Brien\n\nThe city council voted 31–9 on Thursday "
    "to require green roofs on every new office building. Developers say the rule will add about €40 per square "
    "metre to building costs.\n\nThe measure takes effect in January — a year later than campaigners had wanted.\n",
    "Council approves “green roofs” rule. Developers say it adds about €40 — a year later than O’Brien wanted.",
    "El consejero explicó que el trayecto durará 29 minutos y que se esperan 80.000 viajeros diarios.",
    "Die Deutsche Bahn hat die Sperrung verlängert. Grund sind Schäden an einer Stützmauer – „sofort“.",
]


@pytest.mark.parametrize("text", TEXTS)
def test_a_windows_1252_file_of_quotes_and_dashes_is_read_as_written(text: str) -> None:
    assert decode(text.encode("cp1252")) == text
