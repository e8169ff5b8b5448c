"""Settings, read in one place: environment variables with the `QA_` prefix, overridden by CLI flags.

Every knob that changes scores (analysis, chunking, BM25) is also written into the saved index, so an index
built with other settings is rebuilt rather than silently reused (see `Settings.index_fingerprint`).

    >>> Settings(documents="news", k1=1.2).k1
    1.2
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from qa.defaults import (
    MAX_QUESTION_CHARS,
    MAX_TOP_K,
    PROXIMITY_WEIGHT,
    PROXIMITY_WINDOW,
    SENTENCE_WEIGHT,
    SENTENCE_WEIGHT_REST,
    count_from_text,
    default_index_dir,
    passage_count,
)
from qa.errors import ConfigError, InvalidRequest

__all__ = ["MAX_QUESTION_CHARS", "MAX_TOP_K", "PROXIMITY_WEIGHT", "PROXIMITY_WINDOW", "Settings", "get_settings",
           "make_settings"]


class Settings(BaseSettings):
    """Everything a user can configure. Environment: `QA_DOCUMENTS`, `QA_INDEX_DIR`, `QA_CHUNK_WORDS`, ..."""

    model_config = SettingsConfigDict(env_prefix="QA_", extra="ignore")

    documents: Path = Field(Path("documents"), description="Folder of articles, read recursively.")
    index_dir: Path | None = Field(
        None,
        description="Folder for the saved index; by default one per documents folder, never inside it.",
    )
    chunk_words: int = Field(700, ge=10, le=2000, description="Target passage length in words.")
    chunk_overlap: int = Field(1, ge=0, le=10, description="Sentences repeated between consecutive passages.")
    top_k: int = Field(3, ge=1, le=MAX_TOP_K, description="Passages returned when a request does not say.")
    max_per_article: int = Field(
        0, ge=0, le=MAX_TOP_K, description="At most this many passages of one article per answer "
        "(0: no limit; overlapping passages are never both returned).")
    k1: float = Field(1.2, ge=0.0, le=10.0, description="BM25 term-frequency saturation.")
    b: float = Field(0.75, ge=0.0, le=1.0, description="BM25 length normalisation.")
    epsilon: float = Field(0.25, ge=0.0, le=10.0, description="Floor for negative IDFs, as a share of the mean IDF.")
    language: str = Field(
        "auto", pattern=r"^(auto|[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*)$", description="The language articles are "
        "analysed in: auto (each article's own: its metadata's lang, else detected), or a language tag (en, de, "
        "zh...) for every article.")
    title_in_passages: bool = Field(
        True, description="Index each passage together with its article's title (the text and spans are unchanged)."
    )
    proximity_weight: float = Field(
        PROXIMITY_WEIGHT, ge=0.0, le=10.0, description="Bonus for question terms found near each other, over "
        "BM25's best passages (qa/answer/proximity.py); 0 ranks by BM25 alone.")
    proximity_window: int = Field(PROXIMITY_WINDOW, ge=1, le=100,
                                  description="How many terms apart two question terms may stand to count as near.")
    sentence_weight: float = Field(
        SENTENCE_WEIGHT, ge=0.0, le=10.0, description="How much the best sentence of each of the first 3 passages "
        "weighs in which comes first, for a question (qa/answer/sentence_stage.py); 0: the best score.")
    sentence_weight_rest: float = Field(
        SENTENCE_WEIGHT_REST, ge=0.0, le=10.0, description="How much the best sentence weighs in the order of the "
        "passages after the first, among the first 7, for a question; 0 keeps the order of the scores.")
    host: str = Field("127.0.0.1", description="Address `qa serve` listens on: 127.0.0.1 answers this machine "
                      "only; 0.0.0.0 every network it is on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `qa serve` listens on.")
    workers: int = Field(1, ge=1, le=64, description="Worker processes of `qa serve`; they share the "
                         "memory-mapped index.")
    api_key: str | None = Field(
        None, description="Enables POST/DELETE /documents and requires `Authorization: Bearer <key>` for them. "
        "Unset: writes are disabled.")
    protect_reads: bool = Field(False, description="Require the API key for questions and documents too.")
    watch: bool = Field(False, description="Rebuild in the background when the documents folder changes.")
    watch_interval: float = Field(1.0, gt=0, le=3600, description="Seconds between checks of the folder (watch).")
    max_file_mb: float = Field(20.0, gt=0, le=10_000, description="Files larger than this (MB) are skipped, "
                               "with a warning: an article is rarely over a few MB, and one huge file would "
                               "otherwise dominate indexing time and memory.")

    @field_validator("top_k", "max_per_article", mode="before")
    @classmethod
    def _passage_count(cls, value: object, info: ValidationInfo) -> int:
        """qa's rule and words for a number of passages (`qa.defaults.passage_count`): QA_TOP_K=0 is told what
        `--top-k 0`, `top_k=0` and HTTP's `"top_k": 0` are."""
        name, least = str(info.field_name), 1 if info.field_name == "top_k" else 0
        try:
            return count_from_text(name, value, least) if isinstance(value, str) else passage_count(name, value, least)
        except InvalidRequest as error:
            raise ValueError(str(error)) from None

    @model_validator(mode="after")
    def _overlap_below_length(self) -> Settings:
        if self.chunk_overlap * 10 >= self.chunk_words:
            raise ValueError("chunk_overlap sentences would fill most of a passage; lower it or raise chunk_words")
        return self

    @model_validator(mode="after")
    def _index_outside_documents(self) -> Settings:
        """The index folder inside the documents folder would be read as articles (its lock and data files named
        as skipped on every run), and a build would change the folder it reads: refused, as the README says."""
        if self.index_dir is not None:
            index, documents = self.index_dir.expanduser().resolve(), self.documents.expanduser().resolve()
            if index == documents or documents in index.parents:
                raise ValueError(f"the index folder {index} is inside the documents folder {documents}; give "
                                 "--index-dir (QA_INDEX_DIR) a folder outside it")
        return self

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1_000_000)

    def resolved_index_dir(self) -> Path:
        """The index folder to use: the configured one, or a per-corpus folder under the user's cache."""
        return self.index_dir if self.index_dir is not None else default_index_dir(self.documents)

    def index_fingerprint(self) -> dict[str, Any]:
        """The settings that change what is indexed or how it scores; stored with the index."""
        return {
            "chunk_words": self.chunk_words,
            "chunk_overlap": self.chunk_overlap,
            "k1": self.k1,
            "b": self.b,
            "epsilon": self.epsilon,
            "title_in_passages": self.title_in_passages,
        }

    def ranking_fingerprint(self) -> dict[str, Any]:
        """Every setting that changes which passages come first: the index's, and the proximity stage's (applied
        when answering, so not stored with the index). What the quality figures are recorded for."""
        return {**self.index_fingerprint(), "proximity_weight": self.proximity_weight,
                "proximity_window": self.proximity_window, "sentence_weight": self.sentence_weight,
                "sentence_weight_rest": self.sentence_weight_rest}

    # -- HTTP service layers (qa/web/limits.py, observability.py); plain types, which qa serve passes on as QA_* --
    max_body_bytes: int = Field(
        1_048_576, ge=1024, le=1_073_741_824, description="Largest request body accepted (bytes); larger is 413. "
        "A full batch (100 questions of 2,000 characters) is well under 1 MiB.")
    request_timeout_s: float = Field(
        10.0, gt=0, le=3600, description="Time budget of one request (seconds): a request with no response "
        "started by then is answered 504.")
    cors_origins: str = Field(
        "", description="Comma-separated origins allowed to call the API from a browser (e.g. "
        "'https://a.example,https://b.example'), or '*' for any. Empty (the default): CORS off.")
    access_log: bool = Field(True, description="One log line per request on the `qa.access` logger (stderr).")
    log_format: str = Field("text", pattern="^(text|json)$",
                            description="Service logs (access lines, errors) as 'text' or one JSON object a line.")

    # -- connections of `qa serve` (qa/web/connections.py, qa/web/connection_layer.py) ---------------------------
    header_timeout_s: float = Field(
        10.0, gt=0, le=3600, description="qa serve: a request's line and headers must have arrived this many "
        "seconds after the connection opened (or, on a kept-alive connection, after the previous response); else "
        "the connection is closed. Covers clients that connect and send nothing, or send a request head slowly.")
    body_timeout_s: float = Field(
        10.0, gt=0, le=3600, description="qa serve: a request's body must have arrived this many seconds after "
        "its head; else 408 and the connection is closed.")
    keep_alive_timeout_s: int = Field(
        5, ge=1, le=3600, description="qa serve: an idle connection is closed this many seconds after its last "
        "response (uvicorn's timeout_keep_alive).")
    max_connections: int = Field(
        1000, ge=1, le=1_000_000, description="qa serve: open connections held (all workers together); a request "
        "beyond them is answered 503 and its connection closed.")


def make_settings(**overrides: Any) -> Settings:
    """Settings from the environment with explicit overrides (CLI flags); `None` means "not given"."""
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        raise ConfigError(_error_line(error)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment (tests override through the app factory)."""
    return make_settings()


def _error_line(error: ValueError) -> str:
    """pydantic's validation errors of the settings, said on one line."""
    errors = getattr(error, "errors", None)
    if callable(errors):
        parts = []
        for item in errors():
            message = str(item.get("msg")).removeprefix("Value error, ")  # pydantic's prefix for a validator's
            where = ".".join(str(part) for part in item.get("loc", ()))
            # a check of several settings names no one; a message that names its setting is said as it is
            parts.append(f"{where}: {message}" if where and not message.startswith(f"{where} ") else message)
        return "invalid setting: " + "; ".join(parts)
    return f"invalid setting: {error}"
