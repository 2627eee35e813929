"""How the `import` commands report a file they refuse: the same words and exit codes for the
roster and the agency list (2: unreadable; 1: rows with problems, or the database refused)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError


@contextmanager
def reported(file_error: type[Exception], rejected: type[Exception],
             problems: Callable[[Any], list]) -> Iterator[None]:
    ctx = click.get_current_context()
    try:
        yield
    except file_error as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(2)
    except rejected as exc:
        found = problems(exc)
        for problem in found:
            click.echo(str(problem), err=True)
        click.echo(f"{len(found)} error(s); no changes made", err=True)
        ctx.exit(1)
    except SQLAlchemyError as exc:
        # The driver's text can quote names and phones from the file: name the kind only.
        kind = type(getattr(exc, "orig", None) or exc).__name__
        click.echo(f"error: the database refused the import ({kind}); no changes made", err=True)
        ctx.exit(1)
