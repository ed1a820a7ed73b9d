"""What the document commands (``ehf validate``, ``pdf extract``) share: their options and
how their file arguments are read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click


def document_options(lang_help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--json``, ``--lang nb|en`` (described by ``lang_help``) and the PATHS argument."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        command = click.argument("paths", nargs=-1, required=True)(command)
        command = click.option(
            "--lang",
            type=click.Choice(["nb", "en"]),
            default="nb",
            show_default=True,
            help=lang_help,
        )(command)
        return click.option(
            "--json", "as_json", is_flag=True, help="Print one JSON array, one object a file."
        )(command)

    return decorate


def collect_files(paths: tuple[str, ...], suffix: str) -> list[Path]:
    """Files as given; folders searched recursively for files ending in ``suffix``
    (any case). A path that does not exist is a usage error."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == suffix)
            )
        elif path.exists():
            files.append(path)
        else:
            raise click.UsageError(f"no such file or folder: {raw}")
    return files
