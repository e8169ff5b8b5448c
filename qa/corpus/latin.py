"""Which Latin code page a file is in: Western (Windows-1252, Latin-1), Central European (Windows-1250,
ISO-8859-2) or Turkish (Windows-1254, ISO-8859-9), told apart by the letters each reading gives.

    >>> latin_reading("Władze ogłosiły w środę".encode("cp1250"))
    ('Władze ogłosiły w środę', 'cp1250')

These code pages share ASCII and differ in the same 128 bytes, so every reading is "text" and charset-normalizer
rates them alike (chaos 0.0 for Polish read as Windows-1252: "W³adze og³osi³y w œrodê"). What tells them apart is
that a real text's letters come from one language's alphabet: Polish gives ł, ś, ę, ż, its misreading ³, œ, ê, ¿
(a sign and letters of French and Spanish). Each reading is scored by the share of its letters beyond ASCII that
the one alphabet fitting them best holds; Windows-1252 keeps a tie (a German file reads alike in 1250 and 1252).
"""

from __future__ import annotations

WESTERN = "cp1252"
"""Windows' Western encoding: Latin-1's letters, plus curly quotes and dashes where Latin-1 has control codes."""

READINGS = (WESTERN, "cp1250", "iso8859_2", "cp1254")
"""The code pages tried, in the order a tie is settled. ISO-8859-9 is Windows-1254 without its quotes and dashes
(bytes 0x80-0x9F), and Latin-1 is Windows-1252 without them: reading as the Windows code page gives the same
letters."""

FAMILY = frozenset({*READINGS, "latin_1", "iso8859_9", "iso8859_15", "iso8859_3", "iso8859_4", "iso8859_10",
                    "iso8859_13", "iso8859_14", "iso8859_16", "cp1257", "cp1258", "mac_latin2", "cp850", "cp852",
                    "cp775", "cp437", "cp858", "mac_roman", "mac_turkish"})
"""charset-normalizer's names for the single-byte Latin code pages: when one of these reads a file as well as any
encoding does, the file is in one of `READINGS` (the others are rare, and read these files alike)."""

_ALPHABETS = (  # the letters beyond ASCII of the languages written in these code pages, lowercase
    "àâæçéèêëîïôœùûüÿ",  # French
    "äöüß",  # German
    "áéíóúñü",  # Spanish
    "áâãàçéêíóôõú",  # Portuguese
    "àèéìíòóùú",  # Italian
    "àçèéíïòóúü",  # Catalan
    "áéëïóöü",  # Dutch
    "æøåéó",  # Danish, Norwegian
    "åäöé",  # Swedish
    "äöåšž",  # Finnish
    "áðéíóúýþæö",  # Icelandic
    "áéíóú",  # Irish
    "çë",  # Albanian
    "ąćęłńóśźż",  # Polish
    "áčďéěíňóřšťúůýž",  # Czech
    "áäčďéíĺľňóôŕšťúýž",  # Slovak
    "áéíóöőúüű",  # Hungarian
    "čćđšž",  # Croatian, Bosnian, Serbian in Latin letters, Slovene
    "ăâîşţșț",  # Romanian
    "âçğıîöşüû",  # Turkish
)
ALPHABETS = tuple(frozenset(letters + letters.upper() + ("İ" if "ı" in letters else "")) for letters in _ALPHABETS)

NEUTRAL = frozenset("\u00a0“”‘’„‚–—…«»‹›€°·•§©®™¡¿")
"""Signs at the same bytes in all the readings, or that no language owns: they tell none apart."""


def latin_reading(data: bytes) -> tuple[str, str] | None:
    """The text of `data` in the code page of `READINGS` whose letters fit one alphabet best, and its name; None
    when none of them decodes the bytes."""
    best: tuple[float, str, str] | None = None
    for encoding in READINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        fit = alphabet_fit(text)
        if best is None or fit > best[0]:
            best = (fit, text, encoding)
    return None if best is None else (best[1], best[2])


def alphabet_fit(text: str) -> float:
    """The share of `text`'s characters beyond ASCII (signs of `NEUTRAL` aside) that the best-fitting alphabet of
    `ALPHABETS` holds: 1.0 for a text in one language (or with no such characters), less for a misreading, whose
    characters are signs (³, ¹) or letters of several languages. Control codes count against it."""
    counts: dict[str, int] = {}
    for char in text:
        if char > "\x7f" and char not in NEUTRAL:
            counts[char] = counts.get(char, 0) + 1
    total = sum(counts.values())
    if not total:
        return 1.0
    return max(sum(n for char, n in counts.items() if char in alphabet) for alphabet in ALPHABETS) / total
