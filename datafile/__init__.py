"""Declared models for the project's YAML data files, and errors that say where a file is wrong.

The knowledge base (``policy_kb/data/*.yml``), the pre-check's rules and the service catalogue are
validated by pydantic models (the lock pins pydantic 1.10) built on :class:`Model`: strict (a string is
not a number, ``yes`` is not ``true``), frozen, and closed (an unknown key is a typo, not a no-op).
:func:`problems` turns a :class:`pydantic.ValidationError` into one line per problem that names the path
inside the document the way a reader finds it (``windows.datong.hours[1].start``: list entries by their
``id`` or ``number`` where they have one), the problem and the value found; each library prefixes the file and raises
its own error class.

This package imports nothing of the project's: any library may use it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from pydantic import BaseModel, ConstrainedStr, Extra, ValidationError
from pydantic.error_wrappers import ErrorWrapper

__all__ = ["IsoDate", "Model", "Problem", "Text", "ValidationError", "fail_at", "path_of", "problems"]

_SHOWN_CHARS = 80


class Model(BaseModel):
    """Base of every data-file model: unknown keys are errors, values are never coerced, objects are frozen."""

    class Config:
        extra = Extra.forbid
        frozen = True
        smart_union = True


class Text(ConstrainedStr):
    """Non-empty text (surrounding whitespace removed)."""

    strict = True
    strip_whitespace = True
    min_length = 1


class IsoDate(dt.date):
    """A date written YYYY-MM-DD (YAML reads an unquoted one as a date already)."""

    @classmethod
    def __get_validators__(cls) -> Iterator[Callable[[Any], dt.date]]:
        yield cls.validate

    @classmethod
    def validate(cls, value: Any) -> dt.date:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise ValueError("expected dates as YYYY-MM-DD")


def fail_at(model: type[BaseModel], loc: Sequence[int | str], message: str) -> NoReturn:
    """Raise from a validator an error placed at ``loc`` below the field or model being validated.

    pydantic 1 nests a ValidationError raised inside a validator under the validator's own location, so a
    check that spans a list (duplicate ids, references to other entries) can still point at the entry."""
    raise ValidationError([ErrorWrapper(ValueError(message), loc=tuple(loc))], model)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a document: where (pydantic's ``loc`` and the readable ``path``) and what."""

    loc: tuple[int | str, ...]
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or 'top level'}: {self.message}"


def problems(error: ValidationError, document: Any) -> list[Problem]:
    """Every problem pydantic found in ``document``, with the value found where there is one."""
    out: dict[str, Problem] = {}  # a union reports each alternative: say each problem once
    for e in error.errors():
        loc = tuple(part for part in e["loc"] if part != "__root__")
        path, value, found = _walk(document, loc)
        got = f" (got {_short(repr(value))})" if found and not isinstance(value, (dict, list)) else ""
        problem = Problem(loc, path, f"{e['msg']}{got}")
        out.setdefault(str(problem), problem)
    return list(out.values())


def path_of(document: Any, loc: Sequence[int | str]) -> str:
    """The readable path of ``loc`` in ``document``, for a check made outside a model."""
    return _walk(document, loc)[0]


def _walk(document: Any, loc: Sequence[int | str]) -> tuple[str, Any, bool]:
    """The readable path of ``loc`` in ``document``, the value there and whether it exists."""
    path, node, found = "", document, True
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
            item = node[part]
            label = (item.get("id", item.get("number")) if isinstance(item, dict) else None)
            shown = isinstance(label, int) and not isinstance(label, bool) or isinstance(label, str) and label.strip()
            path += f".{label}" if shown else f"[{part}]"
            node = item
        else:
            path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
            found = found and isinstance(node, dict) and part in node
            node = node.get(part) if found else None
    return path.lstrip("."), node, found


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _SHOWN_CHARS else flat[: _SHOWN_CHARS - 1] + "…"
