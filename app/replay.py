"""A deep clustering replay as an animation: labels moving as self-training sharpens, on fixed axes."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from clustering.report.colours import palette


def replay_figure(replay, height: int = 460) -> go.Figure:
    """Plotly frames of the replay's sample (one per target update) with Play/Pause and a slider; the axes stay put."""
    positions = np.stack(replay.positions)
    low, high = positions.min(axis=(0, 1)), positions.max(axis=(0, 1))
    pad = 0.05 * (high - low + 1e-9)
    count = int(max(int(frame.max(initial=0)) for frame in replay.labels)) + 1
    colours = np.array(palette(max(count, 1)) + ["#b8b8bd"])

    def scatter(step: int) -> go.Scattergl:
        labels = np.asarray(replay.labels[step])[replay.sample]
        return go.Scattergl(
            x=positions[step, :, 0],
            y=positions[step, :, 1],
            mode="markers",
            marker=dict(size=4, color=colours[np.where(labels >= 0, labels % count, count)]),
            hoverinfo="skip",
        )

    def caption(step: int) -> str:
        return f"iteration {replay.iterations[step]} · {100 * replay.changed[step]:.2f}% of labels changed"

    frames = [go.Frame(data=[scatter(i)], name=str(i), layout=dict(title=caption(i))) for i in range(len(replay))]
    figure = go.Figure(data=[scatter(0)], frames=frames)
    figure.update_layout(
        height=height,
        title=caption(0),
        showlegend=False,
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
