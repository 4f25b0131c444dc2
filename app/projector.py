"""Projector mode for a class: large type and a high-contrast palette on every page (a sidebar switch)."""

from __future__ import annotations

import streamlit as st

# Saturated colours that stay apart on a washed-out projector; none is grey (noise) or pale. Beyond ten groups the
# usual palette continues.
HIGH_CONTRAST = [
    "#0050c8",
    "#e66100",
    "#008a3e",
    "#d10000",
    "#7b2cbf",
    "#8c4a00",
    "#e0169e",
    "#00a3b4",
    "#8f8f00",
    "#000000",
]
PROJECTOR_CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 22px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.3rem; line-height: 1.5; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] * {
  font-size: 1.1rem !important; color: #222 !important; opacity: 1 !important;
}
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * { font-size: 3rem !important; }
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * { font-size: 1.2rem !important; }
h1 { font-size: 3rem; } h2, h3 { font-size: 2.1rem; }
[data-testid="stTable"] td, [data-testid="stTable"] th { font-size: 1.15rem; white-space: pre-wrap; }
button p { font-size: 1.2rem; font-weight: 600; }
</style>
"""


def projector_switch() -> None:
    """The sidebar switch; when on, the page's type grows (every page calls this first)."""
    st.sidebar.toggle(
        "Projector mode",
        key="projector",
        help="Large type and high-contrast colours for a class in front of a projector.",
    )
    if on():
        st.markdown(PROJECTOR_CSS, unsafe_allow_html=True)  # our own fixed CSS, no user text


def on() -> bool:
    return bool(st.session_state.get("projector"))


def colours(palette: list[str]) -> list[str]:
    """A palette with its first ten colours high-contrast when projector mode is on (the same code, the same colour
    on every panel and chart)."""
    if not on():
        return palette
    return [HIGH_CONTRAST[index] if index < len(HIGH_CONTRAST) else colour for index, colour in enumerate(palette)]


def legend_colours(legend: list[dict]) -> list[dict]:
    """The legend with high-contrast colours by position when projector mode is on."""
    recoloured = colours([entry["colour"] for entry in legend])
    return [{**entry, "colour": colour} for entry, colour in zip(legend, recoloured)]


def styled(figure):
    """A Plotly figure in large type with the high-contrast colours when projector mode is on (every chart of the app
    passes through here)."""
    if on():  # drawn without Streamlit's theme (see chart), so the margins make room for the large ticks
        figure.update_layout(
            template="plotly_white",
            colorway=HIGH_CONTRAST,
            title_font_size=24,
            legend_font_size=20,
            hoverlabel_font_size=18,
            margin=dict(l=70, r=20, t=60, b=60),
        )
        figure.update_xaxes(tickfont_size=18, title_font_size=20, automargin=True)
        figure.update_yaxes(tickfont_size=18, title_font_size=20, automargin=True)
    return figure


def table(frame, key: str, hide_index: bool = True) -> None:
    """A small table: a static one in projector mode, where the CSS above sets its type (the interactive grid is drawn
    on a canvas no style reaches), else the interactive grid."""
    if on():
        shown = frame.astype(str)  # values as computed (0.216), not padded to four decimals (0.2160)
        st.table(shown.set_index(shown.columns[0]) if hide_index else shown)
    else:
        st.dataframe(frame, hide_index=hide_index, key=key)


def chart(figure, key: str, where=None) -> None:
    """Draw a Plotly chart (`where`: a column or container, else the page). In projector mode without Streamlit's chart
    theme, which keeps its own small type over the figure's (streamlit#7955)."""
    (where or st).plotly_chart(styled(figure), width="stretch", key=key, theme=None if on() else "streamlit")
