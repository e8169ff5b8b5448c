"""Header lines that are not the article: bylines ("By NAME", "By NAME, role", "NAME | Publisher") and date lines,
in English and in the words of French, German, Spanish, Italian, Portuguese, Dutch and Russian news ("Par NAME",
"Publié le 12 mars 2025 à 10h30", "12. März 2025", "12 de marzo de 2025", "12 марта 2025 года"), and after the word
for author, reporter or source in more ("Muhabir: NAME", "记者 NAME", "来源：新华社  2025年3月12日").

    >>> read_byline("By Leyla Mammadova, 18 June 2021")
    {'author': 'Leyla Mammadova', 'date': '2021-06-18'}
    >>> read_byline("Ayya Lmahamad | Azernews")
    {'author': 'Ayya Lmahamad', 'publisher': 'Azernews'}
    >>> read_date_line("Published: Monday, June 18, 2021 10:30 GMT")
    '2021-06-18'

Each function looks at one line and says what it holds, or None when the line is something else (a title, a
sentence of the body). They are strict on purpose: a line they accept leaves the body, so a headline must never
look like one. Dates are real calendar days (`qa.dates.parse_date`); a line naming an impossible day is no date line.
"""

from __future__ import annotations

import re

from qa.dates import parse_date

_MONTHS = {name: number for number, names in enumerate((  # English, then French, German, Spanish, Italian,
    # Portuguese, Dutch and Russian (the genitive of a date: "12 марта"), with and without accents
    "january jan janvier janv januar jän enero ene gennaio gen janeiro januari januar января янв",
    "february feb février fevrier févr fevr februar febrero febbraio fevereiro februari февраля фев",
    "march mar mars märz marz marzo março marco maart марта мар",
    "april apr avril abril aprile апреля апр",
    "may mai mayo maggio maio mei мая",
    "june jun juin juni junio giugno junho июня июн",
    "july jul juillet juil juli julio luglio julho июля июл",
    "august aug août aout agosto augustus августа авг",
    "september sep sept septembre septiembre settembre setembro сентября сен",
    "october oct octobre oktober octubre ottobre outubro okt октября окт",
    "november nov novembre noviembre novembro ноября ноя",
    "december dec décembre decembre déc dezember dez diciembre dicembre dezembro декабря дек"), start=1)
    for name in names.split()}
_MONTHS.update({name: number for number, names in enumerate((  # Polish (genitive), Turkish, Indonesian, Arabic,
    # Hebrew (with its "in": "בינואר"), Hindi
    "stycznia ocak يناير ינואר בינואר जनवरी",
    "lutego şubat subat فبراير פברואר בפברואר फ़रवरी फरवरी",
    "marca mart maret مارس מרץ במרץ मार्च",
    "kwietnia nisan أبريل ابريل אפריל באפריל अप्रैल",
    "maja mayıs mayis مايو מאי במאי मई",
    "czerwca haziran يونيو יוני ביוני जून",
    "lipca temmuz يوليو יולי ביולי जुलाई",
    "sierpnia ağustos agustos agustus أغسطس اغسطس אוגוסט באוגוסט अगस्त",
    "września wrzesnia eylül eylul سبتمبر ספטמבר בספטמבר सितंबर सितम्बर",
    "października pazdziernika ekim أكتوبر اكتوبر אוקטובר באוקטובר अक्टूबर",
    "listopada kasım kasim نوفمبر נובמבר בנובמבר नवंबर नवम्बर",
    "grudnia aralık aralik desember ديسمبر דצמבר בדצמבר दिसंबर दिसम्बर"), start=1) for name in names.split()})
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th|er|\.)?"  # 1st, 1er (French), 12. (German)
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_OF = r"(?:\s+de)?"  # Spanish and Portuguese: "12 de marzo de 2025"
_DATE_FORMS = (
    re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2})?\S*)?", re.I),
    re.compile(_DAY + _OF + r"\s+" + _MONTH + _OF + r",?\s+" + _YEAR, re.I),
    re.compile(_MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR, re.I),
    # Chinese and Japanese "2025年3月19日", Korean "2025년 4월 1일", Vietnamese "ngày 5 tháng 1 năm 2025"
    re.compile(r"(?P<year>\d{4})\s*[年년]\s*(?P<month>\d{1,2})\s*[月월]\s*(?P<day>\d{1,2})\s*[日일]"),
    # "12.03.2025": day first wherever dots separate the parts (Turkish, Polish, Czech, German, Russian news)
    re.compile(r"(?<![\d.])(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>(?:19|20)\d{2})(?![\d.]\d)"),
    re.compile(r"(?:ngày\s+)?(?P<day>\d{1,2})\s+tháng\s+(?P<month>\d{1,2}),?\s+(?:năm\s+)?(?P<year>\d{4})", re.I),
)
_WEEKDAY = (r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?\.?"
            r"|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
            r"|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag"
            r"|lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado|domingo"
            r"|lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica)")
_DATE_PREFIX = re.compile(
    r"^\s*(?:(?:published|posted|updated|last updated|first published|date|dated"
    r"|publié|mis à jour|veröffentlicht|aktualisiert|stand|publicado|actualizado|atualizado|pubblicato|aggiornato"
    r"|gepubliceerd|bijgewerkt|опубликовано|обновлено|yayınlanma|yayın tarihi|güncelleme|opublikowano|aktualizacja"
    r"|发布时间|發布時間|发布日期|發布日期|时间|時間|日期|更新时间|更新時間)"
    r"(?:\s+(?:on|le|am|el|em|il|op))?\s*[:：]?\s*)?(?:" + _WEEKDAY + r",?\s+)?(?:the\s+|le\s+|den\s+|el\s+)?", re.I)
_TIME_SUFFIX = re.compile(
    r"^\s*(?:года|г\.|r\.)?\s*(?:,|\||-|–|—|at|à|um|a las|às|alle|om|в)?\s*\d{1,2}[:.h]\d{2}"
    r"(?:\s*[ap]\.?m\.?|\s*uhr)?(?:\s*[A-Z]{2,5})?\s*$|^\s*(?:года|г\.|r\.)?\s*$", re.I)

_NAME_WORD = r"(?:[A-Z][\w'’.-]*|(?:de|da|di|del|van|von|der|den|bin|al|el|la|le|du|dos|ter|mac)\b)"
_NAME = rf"{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{1,4}}"
_NAMES = rf"{_NAME}(?:(?:,[ \t]*{_NAME})*,?[ \t]+(?:and|&|et|und|y|e|en)[ \t]+{_NAME})?"
_BY = re.compile(rf"^\s*(?i:by|written by|words by|text by|story by|reporting by|author:|authors:)[ \t]+"
                 rf"(?P<names>{_NAMES})(?P<rest>.*)$")
_BY_ELSEWHERE = re.compile(rf"^\s*(?i:par|por|von|di|door|auteur\s*:|autor\s*:|autore\s*:)[ \t]+"
                           rf"(?P<names>{_NAMES})(?P<rest>.*)$")
"""French, Spanish, Portuguese, German, Italian and Dutch bylines: only under a title, since a headline in title
case may start with these words ("Di Canio Wins Appeal", "Door To Door Sales Rise")."""
_UNNAMED = re.compile(
    r"^\s*(?i:by)[ \t]+(?i:(?:a|an|our|the)[ \t]+)?"
    r"(?i:(?:own|staff|special|foreign|political|business|sports?|science|technology|news|senior|chief|diplomatic"
    r"|home|affairs|economics)[ \t]+){0,3}(?i:reporters?|correspondents?|writers?|staff|editors?)\b(?P<rest>.*)$")
"""A byline that names no one ("By a staff reporter", "By our correspondent, 18 June 2021"): not the body either."""
_DESK = re.compile(r"^\s*(?i:(?:dış\s+)?haber\s+merkezi|haber\s+servisi)\s*$")
"""A Turkish credit line that names the desk, not a reporter ("Haber Merkezi": the newsroom)."""
_NAME_ONLY = re.compile(rf"^{_NAME}$")
_PIPE = re.compile(r"^\s*(?P<name>[^|]{3,60}?)\s+\|\s+(?P<publisher>[^|]{2,80}?)\s*$")
_MAX_BYLINE_CHARS = 160


def find_date(text: str) -> tuple[str, int, int] | None:
    """The first real day written in `text` (ISO, "18 June 2021", "June 18, 2021"): (YYYY-MM-DD, start, end)."""
    best: tuple[str, int, int] | None = None
    for form in _DATE_FORMS:
        for match in form.finditer(text):
            day = _iso(match)
            if day is not None and (best is None or match.start() < best[1]):
                best = (day, match.start(), match.end())
                break
    return best


def _iso(match: re.Match[str]) -> str | None:
    month = match.group("month")
    number = int(month) if month.isdigit() else _MONTHS.get(month.lower().rstrip("."))
    if number is None:
        return None
    try:
        return parse_date(f"{int(match.group('year')):04d}-{number:02d}-{int(match.group('day')):02d}")
    except ValueError:
        return None


def read_date_line(line: str) -> str | None:
    """The day a line holds when the line is only a date ("18 June 2021", "Published: Mon, June 18, 2021 10:30")."""
    if len(line) > 80:
        return None
    found = find_date(line)
    if found is None:
        return None
    day, start, end = found
    head = line[:start]
    place = _PLACE.match(head)
    if place is not None and _place_name(place.group("place")):
        head = head[place.end():]  # a dateline: "Köln, 12. März 2025", "Hà Nội, ngày 5 tháng 1 năm 2025"
    prefix = _DATE_PREFIX.match(head)
    if prefix is None or prefix.end() != len(head) or not _TIME_SUFFIX.match(line[end:]):
        return None
    return day


_PLACE = re.compile(r"^\s*(?P<place>[^\W\d_][^\s,،]*(?:[ \t]+[^\s,،]+){0,3})[ \t]*[,،][ \t]*")
_PLACE_PARTICLES = frozenset("de da do di del dos das la le el al am an der upon on sur".split())


def _place_name(place: str) -> bool:
    """A place named before a date ("Belo Horizonte", "Rio de Janeiro", "ירושלים"): one to four words, each
    capitalised (or in a script without capitals) but for particles such as "de"."""
    return all(word[0].isalpha() and (not word[0].islower() or word in _PLACE_PARTICLES) for word in place.split())


def read_byline(line: str, *, under_title: bool = True) -> dict[str, str] | None:
    """author (and publisher, date) of a byline; None when the line is not one.

    Accepted: "By NAME", "By NAME and NAME", "By NAME, role", "By NAME | Publisher", "By NAME, 18 June 2021"
    (also "Written by", "Author:"), "By a staff reporter" and "By our correspondent" (no author, but a byline: the
    date and publisher after it are read), and "NAME | Publisher" where NAME is two to five capitalised words;
    where the line comes after a title (`under_title`), also "Par NAME", "Por NAME", "Von NAME", "Di NAME", "Door NAME".
    """
    line = line.strip()
    if not line or len(line) > _MAX_BYLINE_CHARS:
        return None
    source = read_source_line(line)
    if source is not None:
        return source
    if under_title and _DESK.match(line):
        return {}  # "Haber Merkezi": the news desk, no one's name
    unnamed = _UNNAMED.match(line)
    if unnamed is not None:
        rest = unnamed.group("rest").strip()
        if not rest or rest[0] in ",|–—-(/":  # "By Staff Writers" is no one's name either
            return _with_rest({}, rest.lstrip(",|–—-/ ").strip())
    match = _BY.match(line) or (_BY_ELSEWHERE.match(line) if under_title else None)
    if match is None:
        match = _labelled(line, under_title)
    if match is not None:
        found = {"author": match.group("names").strip().rstrip(",")}
        rest = match.group("rest").strip()
        if rest and rest[0] not in _AFTER_NAME:
            return None  # "By the end of the year, ..." is a sentence, not a byline
        return _with_rest(found, rest.lstrip(",|–—-/· ").strip())
    pipe = _PIPE.match(line)
    if pipe is not None and _NAME_ONLY.match(pipe.group("name")) and not pipe.group("name").isupper():
        found = {"author": pipe.group("name")}
        return _with_rest(found, pipe.group("publisher"))
    return None


_AFTER_NAME = ",|–—-(/·"
"""What may follow the name in a byline: the date, publisher or role after it ("By Jane Roe · 12 March 2025")."""
_LABEL = (r"автор|авторы|yazar|muhabir|haber|tác giả|phóng viên|penulis|lewat|लेखक|संवाददाता|بقلم|كتب|مراسل|כתב|מאת"
          r"|記者|记者|文|撰文|取材")
_LABELLED = re.compile(rf"^\s*(?i:{_LABEL})[ \t]*(?P<colon>[:：])?[ \t]*(?P<names>[^\W\d_][^\s,|–—·/]*"
                       rf"(?:[ \t]+[^\W\d_][^\s,|–—·/]*){{0,3}})(?P<rest>.*)$")
_UNDER_TITLE_LABELS = frozenset("oleh מאת بقلم 记者 記者".split())
_OLEH = re.compile(r"^\s*(?i:oleh)[ \t]+(?P<names>[^\W\d_][^\s,|–—·/]*(?:[ \t]+[^\W\d_][^\s,|–—·/]*){0,3})"
                   r"(?P<rest>.*)$")
_KOREAN = re.compile(r"^\s*(?P<names>[가-힣]{2,4})[ \t]*기자(?P<rest>(?:[ \t]*[,|·/(][^\n]*)?)$")
"""Korean names the reporter first: "김민수 기자"."""


def _labelled(line: str, under_title: bool) -> re.Match[str] | None:
    """A byline that names its author after a word meaning "author" or "reporter" in another language ("Автор:
    Андрей Соколов", "Tác giả: Nguyễn Văn Hùng", "記者：佐藤健太", "بقلم يوسف بنعلي"), or before it ("김민수 기자"):
    with a colon after the word anywhere, without one only under a title (Indonesian "Oleh", Hebrew "מאת", Arabic
    "بقلم", Chinese "记者" and Korean "기자"). The name's words are capitalised, or in a script without capitals."""
    match = _LABELLED.match(line) or (_OLEH.match(line) if under_title else None) or (
        _KOREAN.match(line) if under_title else None)
    if match is None:
        return None
    if "colon" in match.re.groupindex and match.group("colon") is None and (
            not under_title or line.split()[0].casefold() not in _UNDER_TITLE_LABELS):
        return None
    if any(word[0].islower() for word in match.group("names").split()):
        return None  # "Autor de la novela ...": a sentence
    return match


_SOURCE = re.compile(r"(?:^|(?<=\s))(?i:来源|來源|出处|出處|出典|출처|kaynak|źródło|zdroj|forrás|fonte|fuente|quelle"
                     r"|источник|source)[ \t]*[:：][ \t\u3000]*")
_SOURCE_END = re.compile(r"[ \t\u3000]{2,}|\u3000|[|｜]|$")


def read_source_line(line: str) -> dict[str, str] | None:
    """publisher (and date) of a line that credits the article's source: "来源：新华社  2025年3月12日", "發布時間：
    2025年3月12日　來源：中央社", "Kaynak: AA, 12.03.2025"; None when the line is not one. The line holds the source
    label with a name, a date line's parts, and nothing else."""
    label = _SOURCE.search(line)
    if label is None or len(line) > 120:
        return None
    before = line[: label.start()].strip(" \t\u3000|｜")
    after = line[label.end() :]
    dated = find_date(after)
    cut = min(_SOURCE_END.search(after).start(), dated[1] if dated else len(after))  # type: ignore[union-attr]
    publisher = after[:cut].strip(" \t\u3000,，|｜")
    rest = after[cut:].strip(" \t\u3000,，|｜")
    if not publisher or len(publisher) > 60 or len(publisher.split()) > 6 or publisher[0] in "(（[" \
            or publisher[0].islower() or publisher.endswith((".", "。")):  # "Source: officials say ..."
        return None
    found = {"publisher": publisher}
    for part in (before, rest):
        if part:
            day = read_date_line(part)
            if day is None:
                return None
            found["date"] = day
    return found


def _with_rest(found: dict[str, str], rest: str) -> dict[str, str]:
    """Whatever follows the name, in pieces separated by '|' or ',': a date, a publisher, or a role (left out:
    the author is the name). A piece after '|' is the publisher; after ',' it is one unless it reads like a role."""
    dated = find_date(rest)
    if dated is not None:
        found["date"] = dated[0]
        rest = f"{_without_place(rest[: dated[1]])}|{rest[dated[2] :]}"
    for separator, piece in re.findall(r"(^|\||,|–|—|·| - )\s*([^|,–—·]*)", rest):
        piece = piece.strip(" -")
        if not piece:
            continue
        if "publisher" in found or piece.endswith(".") or len(piece.split()) > 6:
            continue
        if dated is not None and (_DATE_PREFIX.fullmatch(piece) or _TIME_SUFFIX.match(piece)):
            continue  # what was around the date: "Publié le", "à 10h30"
        if separator == "|" or not _looks_like_role(piece):
            found["publisher"] = piece
    return found


_PLACE_BEFORE_DATE = re.compile(r"(?:^|[,|–—·])\s*(?P<place>[^,|–—·]+?)\s*,\s*$")


def _without_place(head: str) -> str:
    """What comes before a byline's date, without the place of a dateline that leads into the date ("Kraków,
    12 marca 2025", "Ankara, 12.03.2025"): a place named so is where the story was filed, not its publisher."""
    place = _PLACE_BEFORE_DATE.search(head)
    if place is None or not _place_name(place.group("place")) or len(place.group("place").split()) > 3:
        return head
    return head[: place.start("place")]


_ROLE_WORDS = frozenset("""correspondent editor reporter writer columnist staff contributor analyst journalist
    producer chief senior political business sports science technology economics diplomatic special news
    foreign home affairs bureau desk""".split())


def _looks_like_role(text: str) -> bool:
    """"BBC News correspondent", "Senior Editor": a role, said after the name, not the publisher."""
    words = {word.strip(".").lower() for word in text.split()}
    return bool(words & _ROLE_WORDS) or text[:1].islower()


def author_name(value: str) -> str:
    """The name(s) an author field of metadata holds, without the byline word or role around them: a web page's
    byline element or a front matter `author:` often keeps them ("Por Lucía Fernández", "Автор: Андрей Соколов",
    "김민수 기자"; trafilatura's "Margaret Ellison; Transport Correspondent" for "Margaret Ellison, Transport
    Correspondent"). A name alone is returned as it is."""
    names = [piece.strip() for piece in value.split(";")]
    kept = [name for name in names if name and not (len(names) > 1 and _looks_like_role(name))]
    cleaned = []
    for name in kept:
        byline = read_byline(name)
        cleaned.append(byline["author"] if byline is not None and "author" in byline else name)
    return "; ".join(cleaned) or value
