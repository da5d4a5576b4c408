"""The look every chart of tipsim shares: the Okabe-Ito palette (safe for the common
colour-vision deficiencies; Okabe & Ito 2008) with the baseline black, the font, the layout, a
chart that is only a note, and user text made safe for plotly's HTML-like text."""

from __future__ import annotations

import html

import plotly.graph_objects as go

BASELINE_COLOUR = "#000000"
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")
DASHES = ("solid", "dash", "dot", "dashdot")
FONT = dict(family="Segoe UI, Roboto, Helvetica, Arial, sans-serif", size=13, color="#222")


def text(value) -> str:
    """A user-given string made safe for plotly's HTML-like text."""
    return html.escape(str(value), quote=False)


def styles(data) -> dict[str, dict]:
    """Colour and dash of each scenario's lines."""
    out = {data.baseline: {"color": BASELINE_COLOUR, "dash": "solid"}}
    for i, name in enumerate(data.policies):
        out[name] = {"color": PALETTE[i % len(PALETTE)],
                     "dash": DASHES[(i // len(PALETTE)) % len(DASHES)]}
    return out


def rgba(hex_colour: str, alpha: float) -> str:
    """A colour "#RRGGBB" with opacity ``alpha``, as plotly takes it."""
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def layout(fig: go.Figure, height: int, **kwargs) -> go.Figure:
    """``fig`` in the common template, font and margins, ``height`` pixels high."""
    kwargs.setdefault("margin", dict(l=60, r=30, t=60, b=50))
    fig.update_layout(template="plotly_white", font=FONT, height=height, **kwargs)
    return fig


def note_figure(message: str, height: int = 160) -> go.Figure:
    """A chart that only says ``message`` (when there is nothing to draw)."""
    fig = go.Figure()
    fig.add_annotation(text=text(message), showarrow=False, x=0.5, y=0.5, xref="paper",
                       yref="paper", font=dict(size=14, color="#555"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return layout(fig, height)


__all__ = ["BASELINE_COLOUR", "DASHES", "FONT", "PALETTE", "layout", "note_figure", "rgba",
           "styles", "text"]
