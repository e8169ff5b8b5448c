"""`qa eval`: retrieval quality on public benchmarks, measured through qa's own pipeline.

    qa eval beir ../shared/data/beir_scifact            # nDCG@10, Recall@100, MRR@10 on the test qrels
    qa eval beir ../shared/data/beir_scifact --split train     # on the train qrels: to choose settings on
    qa eval squad ../shared/data/squad_v1.1/dev-v1.1.json --json   # the held-out ("report") half of the articles
    qa eval squad ../shared/data/squad_v1.1/dev-v1.1.json --split choose

Honest tuning: defaults are chosen on one part of each benchmark and figures quoted on the other. BEIR: the
queries judged in `qrels/train.tsv` choose, those of `qrels/test.tsv` report (the default). SQuAD: the articles
are sorted by their title as the file spells it ("Super_Bowl_50"); even positions (0, 2, ...) are the "choose"
half, odd positions the "report" half (the default); a question belongs to its article's half. Every article is
indexed whatever the half, so the other half's passages still compete for the top ranks.

How a benchmark becomes a qa corpus, so that the figures are exactly what users get:

- Every record or article is written as a `.txt` file into a temporary documents folder: its title on the first
  line, a blank line, then its text. The folder is indexed by `qa.index.open_index` (reading, chunking, the one
  analyzer, the sparse BM25 engine, all with the given settings) and every question is ranked by
  `qa.answer.search.Searcher.rank`, the ranking of `Searcher.ask` behind `qa ask` and the HTTP API. Nothing is
  re-implemented here but the metrics' bookkeeping.
- BEIR: the unit of retrieval is the whole record, so the records are indexed with the largest passage length
  qa accepts (`chunk_words` 2000, no overlap; SciFact's longest abstract has 1,524 words) and the evaluation
  checks that every record became exactly one passage, failing otherwise. The title is the article's title, and
  is indexed with its passage when `title_in_passages` is on (the default), as for any article. A record with an
  empty title is given its id as title, so that its text's first line is not taken for the title.
- SQuAD: each article is rebuilt as one article (title with `_` as spaces, then its paragraphs joined with blank
  lines) and chunked by qa's own chunker with the given `chunk_words` / `chunk_overlap`. A gold answer's span in
  the article is its `answer_start` in the paragraph plus the paragraph's offset in the file written (checked
  against the answer text for every answer; `span_mismatches` counts the ones SQuAD itself got wrong).

Ranking: `Searcher.rank` is `Searcher.ask` (validation, analysis, scoring and the per-article diversity rules)
without the evidence of every passage (highlights, best sentence), which does not change the order and took most
of the time (SQuAD, 100-word passages: 56 s -> 14 s); the best sentence is computed for the top passage only.

Metrics come from pytrec_eval (the reference trec_eval in C): `ndcg_cut_10`, `recall_100`, and `recip_rank` on
the run cut to 10 (MRR@10), each averaged over every query of the qrels (a query qa answers with no passage
counts 0). The run given to pytrec_eval scores each hit by its rank (100, 99, ...), so that trec_eval ranks
passages in qa's order, ties included (trec_eval would otherwise break equal scores by document id).

SQuAD answer recall@k: the share of questions for which one of the top k passages contains one of the gold
answers, both normalised as SQuAD's official script does (lowercase, punctuation and the articles a/an/the
removed, whitespace collapsed), compared as whole words (the normalised answer, padded with spaces, inside the
normalised passage padded with spaces, so that "1" is not found in "1990"). `span_overlap@1`: the share whose
top passage overlaps one gold answer's character span in the article. `best_sentence@1`: the share whose top
passage's best sentence (`qa.answer.evidence.best_sentence`, what the user sees marked) contains a gold answer.
"""

from qa.cli.evaluation.data import (
                                    BEIR_SPLITS,
                                    SQUAD_SPLITS,
                                    BeirData,
                                    SquadData,
                                    contains_answer,
                                    load_beir,
                                    load_squad,
                                    normalize_answer,
                                    overlaps,
                                    squad_halves,
)
from qa.cli.evaluation.run import (
                                    BEIR_CHUNK_WORDS,
                                    SQUAD_KS,
                                    evaluate_beir,
                                    evaluate_squad,
                                    open_searcher,
                                    ranked_texts,
                                    run_eval,
                                    trec_metrics,
)
from qa.errors import EvaluationDataError

__all__ = ["BEIR_CHUNK_WORDS", "BEIR_SPLITS", "BeirData", "EvaluationDataError", "SQUAD_KS", "SQUAD_SPLITS",
           "SquadData", "contains_answer", "evaluate_beir", "evaluate_squad", "load_beir", "load_squad",
           "normalize_answer", "open_searcher", "overlaps", "ranked_texts", "run_eval", "squad_halves",
           "trec_metrics"]
