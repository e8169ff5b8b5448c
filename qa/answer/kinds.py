"""What a question asks for (a date, a number, an amount of money, a percentage, a name), and whether a sentence
holds one: the asked kind's bonus of the best sentence (`qa.answer.sentence`), in the languages qa analyses.

A question's kind is read from its wording alone, in any of these languages (English, German, French, Spanish,
Italian, Portuguese, Dutch, Russian, Greek, Arabic, Chinese, Japanese, Korean): "how many", "wie viele",
"combien", "cuántos", "сколько", "πόσοι", "كم", "多少", "何人", "몇" ask for a number. The patterns of one language
do not match another's questions where it matters: the English ones are those the weights were chosen with on
SQuAD (unchanged, and every SQuAD and SciFact question is read as before), the others are words no English
question uses.

What a sentence holds is read in its article's language (`holds_pattern(kind, language)`): English sentences as the
weights were chosen; other languages add their month names, number words, currency words and percent words, digits
next to Chinese, Japanese or Korean characters (`2時間51分`, `6월 28일`: no word boundary there), and capitalised
words of any script as names, except in German (every noun is capitalised there, so capitals say little) and in
scripts without capitals, which keep English's pattern.

Measured on qa's own multilingual questions (`tests/data/multilingual`, 10 languages; the weights are English's,
nothing was tuned): the first passage's best sentence holds the answer for 0.808 -> 0.858 of the choose half's 120
questions and 0.892 -> 0.892 of the report half's; article hit@1 unchanged (0.992 / 0.975). The 11,827 SQuAD,
SciFact and BBC questions are read as before, one by one.
"""

from __future__ import annotations

import re
from functools import lru_cache

import regex

_I = regex.IGNORECASE | regex.V0

# -- what a question asks for -------------------------------------------------------------------------------------

_ASKS_EN = {
    "percent": r"\b(?:what|which) (?:percentage|percent|proportion|share|fraction)\b",
    "money": r"\bhow much\b(?=.*\b(?:cost|costs|money|pay|paid|pays|spend|spent|worth|earn|earned|price|budget|fund|"
             r"funding|raise|raised|sell|sold)\b)|\bhow much money\b",
    "date": r"\b(?:when|(?:what|which|in what) (?:year|years|month|day|date|century|decade|era)|how long ago)\b",
    "number": r"\b(?:how (?:many|much|long|old|far|large|big|tall|high|often|fast)|what (?:percentage|percent|"
              r"proportion|number|amount|fraction|size|population))\b",
    "name": r"\b(?:who|whom|whose|where)\b",
}
"""English: the patterns the best sentence's weights were chosen with (SQuAD's choose half)."""

_ASKS_OTHER = {
    "percent": [
        r"\bwie viel(?:e)? prozent\b|\bwelche[nrs]? anteil\b",  # de
        r"\bquel(?:le)?s? (?:pourcentage|proportion|part)\b|\bcombien de pour ?cent\b",  # fr
        r"\bqu[ée] (?:porcentaje|proporci[óo]n)\b|\bcu[áa]nto por ciento\b",  # es
        r"\b(?:quale|che) (?:percentuale|proporzione)\b",  # it
        r"\bqual (?:[ée] )?(?:a )?(?:percentagem|porcentagem|propor[çc][ãa]o)\b",  # pt
        r"\bwelk(?:e)? (?:percentage|deel|aandeel)\b|\bhoeveel procent\b",  # nl
        r"\bкакой процент\b|\bсколько процентов\b|\bкак(?:ая|ую) дол(?:я|ю)\b",  # ru
        r"\b(?:τι|ποιο) ποσοστ[οό]\b|\bπ[οό]σο τοις εκατ[οό]\b",  # el
        r"(?:كم|ما) (?:هي )?نسبة",  # ar
        r"百分之(?:几|多少)|比例|占比|百分比",  # zh
        r"何パーセント|何[%％]|割合",  # ja
        r"몇 ?(?:퍼센트|프로|%)|비율",  # ko
    ],
    "money": [
        r"\bwie viel\b(?=.*\b(?:kost\w*|geld|zahl\w*|bezahl\w*|preis\w*|ausgegeben|verdien\w*|wert)\b)|"
        r"\bwas kostet\b|\bwie teuer\b",  # de
        r"\bcombien\b(?=.*\b(?:co[ûu]t\w*|argent|pa[iy]\w*|d[ée]pens\w*|prix|vaut|gagn\w*|budget)\b)|"
        r"\bquel (?:est le )?prix\b",  # fr
        r"\bcu[áa]nto\b(?=.*\b(?:cuest\w*|cost\w*|dinero|pag\w*|gast\w*|precio|vale|gan\w*|presupuesto)\b)|"
        r"\bqu[ée] precio\b",  # es
        r"\bquanto\b(?=.*\b(?:cost\w*|soldi|denaro|pag\w*|spes\w*|spend\w*|prezzo|vale|guadagn\w*|"
        r"cust\w*|dinheiro|gast\w*|pre[çc]o|ganh\w*)\b)",  # it, pt
        r"\bhoeveel\b(?=.*\b(?:kost\w*|geld|betaal\w*|betaald|uitgegeven|prijs|waard|verdien\w*)\b)|\bwat kost\b",  # nl
        r"\bсколько\b(?=.*\b(?:сто[иья]\w*|денег|плат\w*|заплат\w*|потрат\w*|цен\w*|зараб\w*)\b)|"
        r"\bкакова цена\b|\bпо какой цене\b",  # ru
        r"\bπ[οό]σο\b(?=.*\b(?:κοστ\w*|χρ[ήη]ματ\w*|πλ[ήη]ρ\w*|τιμ[ήη]|αξ[ίι]\w*)\b)",  # el
        r"(?:كم|ما) (?:هو |هي )?(?:سعر|ثمن|تكلفة|كلفة)|بكم",  # ar
        r"多少钱|价格|价钱|票价|费用|成本|多少元|工资",  # zh
        r"いくら|値段|価格|料金|費用|何円",  # ja
        r"얼마.*(?:가격|값|비용|요금)|(?:가격|값|비용|요금).*얼마",  # ko
    ],
    "date": [
        r"\bwann\b|\b(?:in )?welche[mn]? (?:jahr|monat|tag|datum|jahrhundert|jahrzehnt)\b",  # de
        r"\bquand\b|\b(?:en |à )?quel(?:le)?s? (?:ann[ée]e|an|mois|jour|date|si[èe]cle|d[ée]cennie)\b",  # fr
        r"\bcu[áa]ndo\b|\b(?:en )?qu[ée] (?:a[ñn]o|mes|d[íi]a|fecha|siglo|d[ée]cada)\b",  # es
        r"\bquando\b|\b(?:in )?(?:quale|che) (?:anno|mese|giorno|data|secolo|decennio)\b|"
        r"\b(?:em )?(?:qual|que) (?:ano|m[êe]s|dia|data|s[ée]culo|d[ée]cada)\b",  # it, pt
        r"\bwanneer\b|\b(?:in )?welk(?:e)? (?:jaar|maand|dag|datum|eeuw|decennium)\b",  # nl
        r"\bкогда\b|\bв каком (?:году|месяце|веке)\b|\bкакого числа\b",  # ru
        r"\bπ[οό]τε\b|\bποια χρονι[άα]\b|\bποιο (?:[έε]τος)\b|\bποια ημερομην[ίι]α\b",  # el
        r"متى|في أي (?:عام|سنة|شهر|يوم|تاريخ)|ما تاريخ",  # ar
        r"什么时候|何时|哪一?年|几月|哪一?天|几号",  # zh
        r"いつ|何年(?!間)|何月|何日(?!間)|何曜日",  # ja
        r"언제|몇 ?월|며칠|무슨 요일|몇 ?년도",  # ko
    ],
    "number": [
        r"\bwie (?:viele?|lange?|alt|weit|gro(?:ß|ss)|hoch|oft|schnell|schwer)\b|\bwieviele?\b",  # de
        r"\bcombien\b|\bquelle (?:taille|distance|dur[ée]e|hauteur|longueur)\b|"
        r"\bquel (?:nombre|montant|[âa]ge)\b",  # fr
        r"\bcu[áa]nt[oa]s?\b",  # es
        r"\bquant[oiae]s?\b",  # it, pt
        r"\bhoeveel\b|\bhoe (?:lang|oud|ver|groot|hoog|vaak|snel|zwaar)\b",  # nl
        r"\bсколько\b|\bкакое количество\b|\bкак (?:долго|часто)\b",  # ru
        r"\bπ[οό]σ(?:ο|οι|ες|α|ους|ων|η|ος|ον)\b",  # el
        r"كم",  # ar
        r"多少|几(?!乎)|多(?:长|高|大|远|久|重|深|宽)",  # zh
        r"何(?:時間|人|年間|日間|回|個|本|台|倍|件|社|か所|カ所|ヶ所|万|億|千|百|分|秒|歳|才|階|キロ|メートル|トン|度)|"
        r"どれ(?:くらい|ぐらい|ほど)|どの(?:くらい|ぐらい)|いくつ",  # ja
        r"몇|얼마",  # ko
    ],
    "name": [
        r"\b(?:wer|wen|wem|wessen|wo|wohin)\b",  # de
        r"\bqui\b|\boù\b",  # fr
        r"\bqui[ée]n(?:es)?\b|\bd[óo]nde\b",  # es
        r"\bchi\b|\bdove\b|\bquem\b|\bonde\b",  # it, pt
        r"\bwaar\b",  # nl
        r"\b(?:кто|кого|кому|кем|где|куда)\b",  # ru
        r"\bποι(?:ος|α|οι|ες|ον|ους|ου|ων)\b|\bπο[ύ]\b",  # el
        r"(?:^|\s)(?:من هو|من هي|من هم|من الذي|من التي|أين)",  # ar
        r"谁|哪里|哪儿|在哪",  # zh
        r"誰|どこ",  # ja
        r"누구|누가|어디",  # ko
    ],
}
"""The other languages', tried after English's, kind by kind."""

_ORDER = ("percent", "money", "date", "number", "name")
"""The kinds in the order they are tried: the narrower first ("how much did it cost" is money, not a number)."""

_ASKS_ENGLISH = tuple((kind, re.compile(_ASKS_EN[kind], re.I)) for kind in _ORDER)
_ASKS_FOREIGN = tuple((kind, regex.compile("|".join(_ASKS_OTHER[kind]), _I)) for kind in _ORDER)

_LATIN_ASKING = frozenset("""
    wie wieviel wieviele viel viele prozent welche welcher welchen welches welchem anteil kostet teuer wann wer wen
    wem wessen wo wohin
    quel quelle quels quelles combien quand qui où prix
    que qué cuanto cuánto cuanta cuánta cuantos cuántos cuantas cuántas cuando cuándo quien quién quienes quiénes
    donde dónde precio
    quale che quanto quanta quanti quante quantos quantas quantis quantes quando qual chi dove quem onde
    welk welke hoeveel kost wanneer hoe waar
""".split())
"""A word that every other Latin-script language's pattern needs at least one of (German, French, Spanish,
Italian, Portuguese, Dutch): a question in the Latin script with none of them asks for no kind those patterns
know, and is not tried against them (most questions: English's patterns take a few microseconds, trying every
language's would take 15)."""
_OTHER_SCRIPT = regex.compile(r"[^\p{Latin}\p{Common}\p{Inherited}]")
_WORD = re.compile(r"\w+")


def asked_kind(question: str) -> str | None:
    """What the question asks for, from its wording alone: "percent" (what percentage), "money" (how much did it
    cost), "date" (when, what year), "number" (how many, how much), "name" (who, where), or None. English's
    patterns first, as the weights were chosen; then the other languages'."""
    for kind, pattern in _ASKS_ENGLISH:
        if pattern.search(question):
            return kind
    if _OTHER_SCRIPT.search(question) is None and _LATIN_ASKING.isdisjoint(_WORD.findall(question.casefold())):
        return None
    return next((kind for kind, pattern in _ASKS_FOREIGN if pattern.search(question)), None)


# -- what a sentence holds ----------------------------------------------------------------------------------------

_MONTHS_EN = "january|february|march|april|may|june|july|august|september|october|november|december"
_NUMBER_WORDS_EN = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
                    "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
                    "hundreds?|thousands?|millions?|billions?|trillions?|dozens?|half|quarter")
_HOLDS_EN = {"date": rf"\b(?:1\d{{3}}|20\d{{2}})s?\b|\b(?:{_MONTHS_EN})\b|\b\w+(?= century\b)",
             "number": rf"\b\d[\d.,]*\b|\b(?:{_NUMBER_WORDS_EN})\b",
             "money": r"[$£€¥]\s?\d|\b\d[\d.,]*\s?(?:dollars|pounds|euros|yen|usd|eur|gbp)\b",
             "percent": r"\b\d[\d.,]*\s?(?:%|per ?cent\b)",
             "name": r"(?<=\s)[A-Z][^\W\d_]*(?:['’-][^\W\d_]+)*"}
"""English: the patterns the weights were chosen with."""

_CJK = r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]"
_NEXT_TO_CJK = rf"(?<={_CJK})\d|\d(?={_CJK})"
"""A digit beside a Chinese, Japanese or Korean character, where `\\b` finds no word boundary."""

_MONTHS = {
    "de": "januar|jänner|februar|märz|maerz|april|mai|juni|juli|august|september|oktober|november|dezember",
    "fr": "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|"
          "decembre",
    "es": "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre",
    "it": "gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre",
    "pt": "janeiro|fevereiro|março|marco|abril|maio|junho|julho|agosto|setembro|outubro|novembro|dezembro",
    "nl": "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december",
    "ru": r"январ\w*|феврал\w*|март\w*|апрел\w*|ма[яйе]|июн\w*|июл\w*|август\w*|сентябр\w*|октябр\w*|ноябр\w*|"
          r"декабр\w*",
    "el": r"ιανουαρ\w*|φεβρουαρ\w*|μαρτ\w*|απριλ\w*|μα[ΐιί]\w*|ιουν\w*|ιουλ\w*|αυγο[υύ]στ\w*|σεπτ[εέ]μβρ\w*|"
          r"οκτ[ωώ]βρ\w*|νο[εέ]μβρ\w*|δεκ[εέ]μβρ\w*|ιαν\w*",
    "ar": "يناير|فبراير|مارس|أبريل|إبريل|مايو|يونيو|يوليو|أغسطس|سبتمبر|أكتوبر|نوفمبر|ديسمبر|كانون|شباط|آذار|نيسان|"
          "أيار|حزيران|تموز|آب|أيلول|تشرين",
}
_NUMBER_WORDS = {
    "de": "zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig|vierzig|fünfzig|sechzig|"
          "siebzig|achtzig|neunzig|hundert|tausend|millionen?|milliarden?|hälfte|dutzend|viertel|drittel|fünfte[nrs]?",
    "fr": "deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|quinze|vingt|trente|quarante|cinquante|"
          "soixante|cents?|mille|millions?|milliards?|moitié|dizaines?|centaines?|douzaines?|milliers?|quart|tiers",
    "es": "dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|quince|veinte|treinta|cuarenta|cincuenta|"
          "sesenta|setenta|ochenta|noventa|cien|cientos?|mil|millón|millon|millones|mitad|docenas?|decenas?|cuarto|"
          "tercio",
    "it": "due|tre|quattro|cinque|sette|otto|nove|dieci|undici|dodici|venti|trenta|quaranta|cinquanta|cento|mille|"
          "mila|milioni?|miliardi?|metà|dozzina|decine",
    "pt": "dois|duas|três|tres|quatro|cinco|seis|sete|oito|nove|dez|doze|quinze|vinte|trinta|quarenta|cinquenta|"
          "cem|cento|mil|milhão|milhões|milhao|milhoes|bilhão|bilhões|metade|dúzia",
    "nl": "twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|twintig|dertig|veertig|vijftig|honderd|"
          "duizend|miljoen|miljard|helft|dozijn",
    "ru": "один|одна|одно|одного|одной|два|две|двух|три|трёх|трех|четыре|четырёх|четырех|пять|пяти|шесть|шести|"
          "семь|семи|восемь|восьми|девять|девяти|десять|десяти|двадцать|двадцати|тридцать|тридцати|сорок|сорока|"
          "пятьдесят|сто|ста|двести|тысяча|тысячи|тысяч|миллион|миллиона|миллионов|миллиард|миллиарда|миллиардов|"
          "половина|половины|полтора|десятки|десятков|сотни|сотен",
    "el": "δύο|δυο|τρεις|τρία|τρια|τέσσερις|τεσσερις|τέσσερα|τεσσερα|πέντε|πεντε|έξι|εξι|επτά|επτα|εφτά|εφτα|οκτώ|"
          "οκτω|εννέα|εννεα|εννιά|εννια|δέκα|δεκα|είκοσι|εικοσι|τριάντα|τριαντα|σαράντα|σαραντα|πενήντα|πενηντα|"
          "εκατό|εκατο|εκατοντάδες|χίλια|χιλια|χιλιάδες|χιλιαδες|εκατομμύρια|εκατομμυρια|εκατομμύριο|"
          "δισεκατομμύρια|μισό|μισο",
}
_ARABIC_NUMBER_WORDS = ("واحد|اثنان|اثنين|ثلاث|ثلاثة|أربع|أربعة|خمس|خمسة|ستة|سبع|سبعة|ثماني|ثمانية|تسع|تسعة|عشر|"
                        "عشرة|عشرين|عشرون|ثلاثين|ثلاثون|أربعين|أربعون|خمسين|خمسون|ستين|ستون|سبعين|سبعون|ثمانين|"
                        "ثمانون|تسعين|تسعون|مئة|مائة|مئات|ألف|آلاف|مليون|ملايين|مليار|نصف|ربع")
_CURRENCIES = (r"euros?|dollars?|dólar(?:es)?|dolar(?:es)?|dollari|franken|francs?|pfund|libras?|sterline|rubel|"
               r"рубл\w*|долл\w*|евро|ευρώ|ευρω|δολ[άα]ρι\w*|ريال\w*|ريالات|دولار\w*|جنيه\w*|درهم\w*|دينار\w*|يورو|"
               r"ドル|ユーロ|달러|유로")
_CJK_CURRENCIES = "元|美元|欧元|日元|円|원|ドル|ユーロ|달러|유로"
_PERCENT_WORDS = (r"prozent|pour ?cent|por ?ciento|per ?cento|por ?cento|procent|процент\w*|τοις εκατ[οό]|"
                  r"في المئة|في المائة|بالمئة|بالمائة|パーセント|퍼센트")
_UNCASED_SCRIPTS = ("ar", "he", "fa", "ur", "hi", "ne", "mr", "zh", "ja", "ko", "th")


def _arabic_words(words: str) -> str:
    """Arabic words with the prefixes written onto them (and, with, for, the: و ب ل ال), as whole words."""
    return rf"(?<!\p{{Arabic}})(?:[وبلف]?(?:ال)?)(?:{words})(?!\p{{Arabic}})"


@lru_cache(maxsize=64)
def _holds(kind: str, language: str) -> re.Pattern[str] | regex.Pattern[str]:
    """The pattern for a thing of `kind` in a sentence of `language` (English's as chosen; others add theirs)."""
    english = _HOLDS_EN[kind]
    if language == "en":
        return re.compile(english, re.I if kind != "name" else 0)  # as chosen, to the letter
    extra: list[str] = [_NEXT_TO_CJK] if kind in ("number", "date") else []
    if kind == "date":
        if language in _MONTHS:
            extra.append(_arabic_words(_MONTHS[language]) if language == "ar" else rf"\b(?:{_MONTHS[language]})\b")
        extra.append(r"\d{1,4}\s?[年月日월일년]")
    elif kind == "number":
        if language in _NUMBER_WORDS:
            extra.append(rf"\b(?:{_NUMBER_WORDS[language]})\b")
        if language == "ar":
            extra.append(_arabic_words(_ARABIC_NUMBER_WORDS))
    elif kind == "money":  # the amount (the currency is often the question's own word: "how many roubles")
        extra.append(rf"[₽₩₹￥]\s?\d[\d.,]*|\d[\d.,]*(?=\s?(?:{_CURRENCIES})(?!\p{{L}}))|"
                     rf"[\d万亿億千百十]+(?=\s?(?:{_CJK_CURRENCIES}))")
        if language == "ar":
            extra.append(rf"{_arabic_words(_ARABIC_NUMBER_WORDS)}(?=\s(?:{_CURRENCIES}))")
    elif kind == "percent":  # the number, as for money
        extra.append(rf"\d[\d.,]*(?=\s?(?:[%％]|{_PERCENT_WORDS}))|百分之[\d\p{{Han}}]+")
        if language == "ar":
            extra.append(rf"{_arabic_words(_ARABIC_NUMBER_WORDS)}(?=\s(?:{_PERCENT_WORDS}))")
    elif kind == "name":
        if language == "de" or language in _UNCASED_SCRIPTS:
            return re.compile(english)  # as before: a German capital starts every noun; these scripts have none
        return regex.compile(rf"{english}|(?<=\s)\p{{Lu}}[\p{{L}}\p{{M}}]*(?:['’-][\p{{L}}\p{{M}}]+)*")
    return regex.compile("|".join([english, *extra]), _I)


def holds_pattern(kind: str, language: str) -> re.Pattern[str] | regex.Pattern[str]:
    """The pattern `holds_kind` looks for: a thing of `kind` in a sentence of `language` (a language tag)."""
    return _holds(kind, language)
