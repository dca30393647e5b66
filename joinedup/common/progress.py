"""One progress bar for long jobs (generating an authority, importing files), on stderr so that
output meant for people or pipes stays clean; switched off in tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

Advance = Callable[..., None]


@contextmanager
def progress(*, total: int, description: str, enabled: bool = True) -> Iterator[Advance]:
    """`with progress(total=5, description="Generating") as advance: advance(1)`; `advance` also
    takes `description=` to say what is happening now."""
    if not enabled:
        yield lambda steps=1, description=None: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True)) as bar:
        task = bar.add_task(description, total=total)

        def advance(steps: int = 1, description: str | None = None) -> None:
            bar.update(task, advance=steps, **({"description": description} if description else {}))

        yield advance
