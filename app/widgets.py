"""Parameter widgets generated from a backend's schema."""

from __future__ import annotations

import streamlit as st

from clustering.backends.base import Backend, Param, ParamError


def param_widget(method: str, param: Param):
    key = f"param-{method}-{param.name}"
    help_text = param.help + (f" (range {param.low} – {param.high})" if param.low is not None or param.high is not None
                              else "")
    if param.choices:
        return st.selectbox(param.name, list(param.choices), index=list(param.choices).index(param.default),
                            help=help_text, key=key)
    if param.kind is bool:
        return st.checkbox(param.name, value=bool(param.default), help=help_text, key=key)
    if param.nullable or param.kind is str:
        return st.text_input(param.name, value="" if param.default is None else str(param.default),
                             placeholder="auto", help=help_text, key=key)
    if param.kind is int:
        return st.number_input(param.name, value=int(param.default), step=1,
                               min_value=int(param.low) if param.low is not None else None,
                               max_value=int(param.high) if param.high is not None else None, help=help_text, key=key)
    return st.number_input(param.name, value=float(param.default), format="%g",
                           min_value=float(param.low) if param.low is not None else None,
                           max_value=float(param.high) if param.high is not None else None, help=help_text, key=key)


def parameter_form(backend: type[Backend], columns: int = 3) -> tuple[dict, str | None]:
    """Widgets for every parameter; returns (validated params, error message or None)."""
    values = {}
    grid = st.columns(columns)
    for i, param in enumerate(backend.schema):
        with grid[i % columns]:
            values[param.name] = param_widget(backend.name, param)
    try:
        return backend.checked(values), None
    except ParamError as error:
        return values, str(error)
