"""Command-line options made from the settings model: one definition of every setting's name, help, default and range.

    @app.command()
    @with_settings("documents", "index_dir", "top_k")
    def ask(question: str, settings: Settings) -> None: ...

gives `qa ask` the options `--documents`, `--index-dir` and `--top-k`, whose help text, shown default, environment
variable and allowed range all come from `qa.config.Settings`; the command receives the settings the flags, the
`QA_*` environment and the model's defaults make together (flags win). Nothing here types a default by hand.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import annotated_types
import typer

from qa.config import Settings, make_settings
from qa.defaults import MAX_TOP_K, count_from_text
from qa.errors import InvalidRequest, UsageError

CORPUS = "Corpus and index"
RANKING = "Ranking"
SERVICE = "Service"

PANELS = {"documents": CORPUS, "index_dir": CORPUS, "chunk_words": CORPUS, "chunk_overlap": CORPUS,
          "k1": RANKING, "b": RANKING, "epsilon": RANKING, "proximity_weight": RANKING, "proximity_window": RANKING,
          "sentence_weight": RANKING, "sentence_weight_rest": RANKING, "top_k": RANKING, "max_per_article": RANKING}
"""The help panel of each setting that is an option (commands' own options stay in the default panel)."""

CORPUS_SETTINGS = ("documents", "index_dir", "chunk_words", "chunk_overlap")
RANKING_SETTINGS = ("k1", "b", "epsilon", "proximity_weight", "proximity_window", "sentence_weight",
                    "sentence_weight_rest")
SHOWN_DEFAULTS = {"index_dir": "~/.cache/qa/<folder>-<hash>"}
COUNTS = {"top_k": 1, "max_per_article": 0}
"""Settings that count passages, with their least value: read by qa's own rule (`qa.defaults.count_from_text`),
so `--top-k 0` is refused in the words of the HTTP API and the Python API, as a usage error (exit 2)."""


def _count_parser(name: str) -> Callable[[str], int]:
    flag, least = f"--{name.replace('_', '-')}", COUNTS[name]

    def parse(text: str) -> int:
        try:
            return count_from_text(flag, text, least)
        except InvalidRequest as error:
            raise UsageError(str(error)) from None

    return parse


def setting_option(name: str) -> Any:
    """A `typer.Option` for the setting `name`: its flag, help, range and shown default from `Settings`."""
    field = Settings.model_fields[name]
    default = SHOWN_DEFAULTS.get(name, field.default)
    shown = str(default).lower() if isinstance(default, bool) else str(default)
    help_text = f"{field.description} (default {shown}; env QA_{name.upper()})"
    bounds: dict[str, Any] = {}
    if name in COUNTS:  # the range is the rule's, with its message
        return typer.Option(f"--{name.replace('_', '-')}", help=help_text, show_default=False,
                            metavar=f"{COUNTS[name]}..{MAX_TOP_K}",
                            rich_help_panel=PANELS.get(name, SERVICE), parser=_count_parser(name))
    for rule in field.metadata:
        if isinstance(rule, annotated_types.Ge):
            bounds["min"] = rule.ge
        elif isinstance(rule, annotated_types.Le):
            bounds["max"] = rule.le
        elif isinstance(rule, annotated_types.Gt):
            bounds["min"], bounds["min_open"] = rule.gt, True
    return typer.Option(f"--{name.replace('_', '-')}", help=help_text, show_default=False,
                        rich_help_panel=PANELS.get(name, SERVICE), **bounds)


def _annotation(name: str) -> Any:
    """The option's type: the setting's own, optional (None: not given, so the environment or default applies)."""
    annotation = Settings.model_fields[name].annotation
    if annotation is bool:
        return bool | None
    if annotation in (Path, Path | None):
        return Path | None
    return annotation | None if annotation is not None else Any


def with_settings(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Give a command one option per setting of `names`, and call it with `settings: Settings` made from them."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        own = inspect.signature(command, eval_str=True)  # the command's annotations as objects, not strings
        kept = [parameter for parameter in own.parameters.values() if parameter.name != "settings"]
        added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None,
                                   annotation=Annotated[_annotation(name), setting_option(name)])
                 for name in names]

        @functools.wraps(command)
        def run(*args: Any, **kwargs: Any) -> Any:
            given = {name: kwargs.pop(name) for name in names}
            return command(*args, settings=make_settings(**given), **kwargs)

        signature = own.replace(parameters=[*kept, *added])
        run.__signature__ = signature  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in signature.parameters.values()}
        return run

    return decorate
