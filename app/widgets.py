"""Parameter widgets generated from a method's schema (clustering backends and explainers alike)."""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

import streamlit as st

from clustering.params import Param, ParamError


class Schematic(Protocol):
    """A method with a parameter schema: a Backend or an Explainer class."""

    name: ClassVar[str]
    schema: ClassVar[tuple[Param, ...]]

    @classmethod
    def checked(cls, params: dict[str, Any]) -> dict[str, Any]: ...


def help_text(param: Param) -> str:
    """The help shown beside a widget: what it does, its code name, and the range where one is set."""
    bounds = []
    if param.low is not None:
        bounds.append(f"at least {param.low:g}")
    if param.high is not None:
        bounds.append(f"at most {param.high:g}")
    limits = f" ({', '.join(bounds)})" if bounds else ""
    automatic = " Leave empty for automatic." if param.nullable else ""
    return f"{param.help}{limits}.{automatic} Code name: `{param.name}`."


def param_widget(method: str, param: Param, key_prefix: str = "param"):
    key = f"{key_prefix}-{method}-{param.name}"
    label, tip = param.title, help_text(param)
    if param.choices:
        return st.selectbox(
            label, list(param.choices), index=list(param.choices).index(param.default), help=tip, key=key
        )
    if param.kind is bool:
        return st.checkbox(label, value=bool(param.default), help=tip, key=key)
    if param.nullable or param.kind is str:
        return st.text_input(
            label, value="" if param.default is None else str(param.default), placeholder="auto", help=tip, key=key
        )
    if param.kind is int:
        return st.number_input(
            label,
            value=int(param.default),
            step=1,
            min_value=int(param.low) if param.low is not None else None,
            max_value=int(param.high) if param.high is not None else None,
            help=tip,
            key=key,
        )
    return st.number_input(
        label,
        value=float(param.default),
        format="%g",
        min_value=float(param.low) if param.low is not None else None,
        max_value=float(param.high) if param.high is not None else None,
        help=tip,
        key=key,
    )


def parameter_form(method: type[Schematic], columns: int = 3, key_prefix: str = "param") -> tuple[dict, str | None]:
    """Widgets for every parameter (the advanced ones in an expander); returns (validated params, error or None)."""
    values: dict[str, Any] = {}
    main = [p for p in method.schema if not p.advanced]
    advanced = [p for p in method.schema if p.advanced]
    for group, container in ((main, st.container()), (advanced, st.expander("Advanced") if advanced else None)):
        if not group or container is None:
            continue
        with container:
            grid = st.columns(columns)
            for i, param in enumerate(group):
                with grid[i % columns]:
                    values[param.name] = param_widget(method.name, param, key_prefix)
    try:
        return method.checked(values), None
    except ParamError as error:
        return values, str(error)


def kept_choice(key: str, shared: str, options: list, default) -> None:
    """Set widget `key` to the choice kept under `shared` (else `default`) before it is drawn: Streamlit forgets
    the state of widgets a page does not draw, so a choice made on one page would be lost on the next visit.
    Draw the widget without `index=`; call `keep_choice` with its value afterwards."""
    if key not in st.session_state:
        kept = st.session_state.get(f"kept:{shared}")
        st.session_state[key] = kept if kept in options else default


def keep_choice(shared: str, value) -> None:
    """Keep a widget's choice under `shared` for the next page that draws a widget with it."""
    st.session_state[f"kept:{shared}"] = value
