"""A deep clustering replay as an animation: labels moving as self-training sharpens, on fixed axes."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from clustering.app import projector
from clustering.evaluate.compare import matched_codes
from clustering.visual.colours import NOISE_COLOUR, palette


def replay_figure(replay, truth: np.ndarray | None = None, height: int = 460) -> go.Figure:
    """Plotly frames of the replay's sample (one per target update) with Play/Pause and a slider; the axes stay put.

    With `truth`, each frame's clusters are coloured by the class they are matched to (one legend entry per class,
    '≈ 7'), and hovering a point names its true class.
    """
    positions = np.stack(replay.positions)
    low, high = positions.min(axis=(0, 1)), positions.max(axis=(0, 1))
    pad = 0.05 * (high - low + 1e-9)
    frames_codes = [frame_codes(replay, step, truth) for step in range(len(replay))]
    codes_present = sorted({int(c) for codes in frames_codes for c in np.unique(codes)})
    colours = projector.colours(palette(max(max(codes_present, default=0) + 1, 1)))  # as the scatters' legends
    hover = None if truth is None else [f"digit {d}" for d in np.asarray(truth)[replay.sample]]

    def traces(step: int) -> list[go.Scattergl]:
        codes = frames_codes[step]
        out = []
        for code in codes_present:
            keep = codes == code
            out.append(
                go.Scattergl(
                    x=positions[step, keep, 0],
                    y=positions[step, keep, 1],
                    mode="markers",
                    name="noise" if code < 0 else (f"≈ {code}" if truth is not None else f"cluster {code}"),
                    marker=dict(size=5, color=NOISE_COLOUR if code < 0 else colours[code % len(colours)]),
                    text=None if hover is None else [hover[i] for i in np.flatnonzero(keep)],
                    hoverinfo="text" if hover is not None else "skip",
                )
            )
        return out

    def caption(step: int) -> str:
        if step == 0:
            return "start: k-means in the pretrained network's space"
        return (
            f"update {step} (iteration {replay.iterations[step]}) · "
            f"{100 * replay.changed[step]:.2f}% of labels changed since the last update"
        )

    frames = [go.Frame(data=traces(i), name=str(i), layout=dict(title=caption(i))) for i in range(len(replay))]
    figure = go.Figure(data=traces(0), frames=frames)
    figure.update_layout(
        height=height,
        title=caption(0),
        showlegend=truth is not None,
        margin=dict(l=10, r=10, t=40, b=10),
        xaxis=dict(range=[low[0] - pad[0], high[0] + pad[0]], autorange=False, showticklabels=False),
        yaxis=dict(range=[low[1] - pad[1], high[1] + pad[1]], autorange=False, showticklabels=False),
        updatemenus=[
            dict(
                type="buttons",
                direction="left",
                x=0.0,
                y=-0.02,
                xanchor="left",
                yanchor="top",
                buttons=[
                    dict(
                        label="Play",
                        method="animate",
                        args=[
                            None,
                            dict(frame=dict(duration=400, redraw=True), fromcurrent=True, transition=dict(duration=0)),
                        ],
                    ),
                    dict(
                        label="Pause",
                        method="animate",
                        args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate")],
                    ),
                ],
            )
        ],
        sliders=[
            dict(
                active=0,
                x=0.15,
                len=0.85,
                y=-0.02,
                currentvalue=dict(prefix="update "),
                steps=[
                    dict(
                        label=str(i),
                        method="animate",
                        args=[[str(i)], dict(mode="immediate", frame=dict(duration=0, redraw=True))],
                    )
                    for i in range(len(replay))
                ],
            )
        ],
    )
    return figure


def frame_codes(replay, step: int, truth: np.ndarray | None) -> np.ndarray:
    """The replay sample's colour codes at one frame: clusters matched to the truth's classes when given."""
    labels = np.asarray(replay.labels[step])
    codes = matched_codes(truth, labels) if truth is not None else labels
    return np.asarray(codes)[replay.sample]
