"""One parameter schema for every method family (clustering backends, explainers).

A `Param` (name, type, default, range, help) is the single source for validation, CLI flags (`--param k=v`) and
the app's widgets; `check_params` validates a whole dict against a schema.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


class ParamError(ValueError):
    """A parameter value outside its schema; the message says the valid range."""


@dataclass(frozen=True)
class Param:
    """One parameter: name, type, default, range or choices, help, and how a widget shows it."""

    name: str
    kind: type
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple | None = None
    nullable: bool = False  # None (empty) allowed, meaning "automatic"
    log: bool = False  # widgets step on a log scale
    at_most_rows: bool = False  # a count of clusters/components: never more than the rows clustered
    check: Callable[[Any], str | None] | None = None  # extra rule on the parsed value; returns the problem
    label: str = ""  # what a widget calls it, in plain words (the code name goes in the help)
    advanced: bool = False  # widgets put it under "Advanced"

    @property
    def title(self) -> str:
        """The widget label: `label`, else the name in words."""
        return self.label or self.name.replace("_", " ").capitalize()

    def describe(self) -> str:
        """One line: name, range, default and help."""
        if self.choices:
            rng = " | ".join(map(str, self.choices))
        elif self.low is not None or self.high is not None:
            rng = f"{'' if self.low is None else self.low} .. {'' if self.high is None else self.high}"
        else:
            rng = self.kind.__name__
        return f"{self.name} ({rng}; default {self.default}): {self.help}"

    def coerce(self, value: Any) -> Any:
        """Parse (from CLI text too) and validate one value."""
        if value is None or (
            isinstance(value, str) and value.strip().lower() in ("", "none", "auto") and self.nullable
        ):
            if self.nullable:
                return None
            raise ParamError(f"{self.name}: a value is required. {self.describe()}")
        if isinstance(value, str) and self.kind in (int, float, bool):
            value = value.strip()
        try:
            value = PARSERS.get(self.kind, _parse_text)(value)
        except (TypeError, ValueError, OverflowError):
            raise ParamError(f"{self.name}: {value!r} is not a valid {self.kind.__name__}. {self.describe()}") from None
        if self.kind is float and not math.isfinite(value):
            raise ParamError(f"{self.name}: {value} is not a finite number. {self.describe()}")
        self._check_range(value)
        return value

    def _check_range(self, value: Any) -> None:
        if self.choices is not None and value not in self.choices:
            raise ParamError(f"{self.name}: {value!r} is not one of {', '.join(map(str, self.choices))}.")
        if self.low is not None and value < self.low:
            raise ParamError(f"{self.name}: {value} is below the minimum {self.low}. {self.describe()}")
        if self.high is not None and value > self.high:
            raise ParamError(f"{self.name}: {value} is above the maximum {self.high}. {self.describe()}")
        if self.check is not None:
            problem = self.check(value)
            if problem:
                raise ParamError(f"{self.name}: {problem}")


def _parse_bool(value: Any) -> bool:
    if isinstance(value, str):
        if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
            raise ValueError(value)
        return value.lower() in ("true", "1", "yes")
    if not isinstance(value, (bool, int, np.integer)) or value not in (0, 1):
        raise ValueError(value)
    return bool(value)


def _parse_int(value: Any) -> int:
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(value)
    if isinstance(value, (int, np.integer)) or (isinstance(value, str) and value.lstrip("+-").isdigit()):
        return int(value)  # exactly: 2**70 stays 2**70 and is then refused by its bounds
    number = float(value)
    if not math.isfinite(number) or number != int(number):
        raise ValueError(value)
    return int(number)


def _parse_float(value: Any) -> float:
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(value)
    return float(value)


def _parse_text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(value)
    return value.strip()


PARSERS: dict[type, Callable[[Any], Any]] = {bool: _parse_bool, int: _parse_int, float: _parse_float}


def numpydoc_parameters(schema: tuple[Param, ...]) -> str:
    """A numpydoc "Parameters" section written from a schema, so docstrings never repeat (or contradict) it."""
    lines = ["Parameters", "----------"]
    for param in schema:
        kind = param.kind.__name__ + (" or None" if param.nullable else "")
        if param.choices:
            kind = "{" + ", ".join(repr(c) for c in param.choices) + "}"
        lines.append(f"{param.name} : {kind}, default={param.default!r}")
        bounds = []
        if param.low is not None:
            bounds.append(f"at least {param.low:g}")
        if param.high is not None:
            bounds.append(f"at most {param.high:g}")
        lines.append(f"    {param.help}" + (f" ({', '.join(bounds)})." if bounds else "."))
    return "\n".join(lines)


def with_schema_doc(cls: type) -> None:
    """Append the numpydoc Parameters section of `cls.schema` to the class docstring (once per class)."""
    schema = cls.__dict__.get("schema")
    if schema is None:
        return
    summary = (cls.__dict__.get("__doc__") or cls.__dict__.get("description") or cls.__name__).strip()
    cls.__doc__ = summary + "\n\n" + numpydoc_parameters(schema)


def check_params(owner: str, schema: tuple[Param, ...], params: dict[str, Any]) -> dict[str, Any]:
    """Full, validated parameters (defaults filled in); unknown names are refused with the known ones."""
    known = {p.name: p for p in schema}
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ParamError(f"{owner}: unknown parameter(s) {', '.join(unknown)}. Known: {', '.join(known) or 'none'}.")
    values = {p.name: p.default for p in schema}
    values.update({k: known[k].coerce(v) for k, v in params.items()})
    return values
