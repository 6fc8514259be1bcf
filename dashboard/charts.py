"""Chart builders: an aggregated DataFrame in, a plotly Figure out. Pure, no Streamlit.

Colours come from the Okabe-Ito palette; every chart also carries its values as text or
markers of different shape, so nothing depends on colour alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.components import PALETTE, SEGMENT_COLOURS, SEGMENT_PATTERNS
from dashboard.formatting import PLOTLY_SEPARATORS, euro_cent, percentage, suppressed_label
from data_access.labels import CATEGORIE, VORM, label

# Diverging scale around 100%: blue under the tariff, vermilion over it (Okabe-Ito ends).
UTILISATION_SCALE = [(0.0, "#0072B2"), (0.5, "#F7F7F7"), (1.0, "#D55E00")]
UTILISATION_RANGE = (0.5, 1.5)
# Ticks of the log axis, written out in Dutch (plotly's own read "8 9 €1000 2 3").
LOG_TICKS = (500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000)
RELIABLE_FROM = 20  # a cell's utilisation over fewer ended trajectories is marked '*'
SUPPRESSED_GREY = "#BBBBBB"
LAST_YEAR = "#555555"  # last year's series: dark grey and dashed, beside this year's


def _layout(fig: go.Figure, height: int, **kw: object) -> go.Figure:
    layout: dict[str, object] = {
        "separators": PLOTLY_SEPARATORS,
        "height": height,
        "margin": {"t": 30, "b": 10, "l": 10, "r": 10},
        "legend": {"orientation": "h", "y": -0.15},
    }
    fig.update_layout(**(layout | kw))
    # Numbers on axes as Dutch text writes them, '40.000', never Plotly's SI suffixes ('40k').
    fig.update_xaxes(exponentformat="none", separatethousands=True)
    fig.update_yaxes(exponentformat="none", separatethousands=True)
    return fig


def profile_label(nr: int, naam: str) -> str:
    return f"P{int(nr):02d} {naam}"


def utilisation_grid(cells: pd.DataFrame, segment: str) -> go.Figure:
    """One segment's profile x intensity grid coloured by utilisation, the value in each cell.

    A heatmap, so cells (and their labels) scale with the width of the page: profiles P01..P11
    top to bottom and intensities in their defined order, whatever is filtered or withheld.
    Withheld or empty cells are grey with '<10' or '–', never a colour that reads as a value;
    a value over fewer than RELIABLE_FROM trajectories carries '*'. Streamlit returns clicks on
    scatter points only (DESIGN.md §3), so an invisible point sits on each cell, with the
    hover: `customdata[0]` is the SPIC id.
    """
    cells = cells[cells["segment"] == segment].sort_values(["profiel_nr", "intensiteit_nr"])
    profiles = list(
        dict.fromkeys(
            profile_label(n, p)
            for n, p in zip(cells["profiel_nr"], cells["profiel_naam"], strict=True)
        )
    )
    intensities = list(dict.fromkeys(cells["intensiteit_naam"]))
    cells = cells.assign(
        profiel=[
            profile_label(n, p)
            for n, p in zip(cells["profiel_nr"], cells["profiel_naam"], strict=True)
        ],
        aantal=[
            suppressed_label() if s else f"{int(n)}"
            for n, s in zip(cells["trajecten"], cells["onderdrukt"], strict=True)
        ],
        label=[
            (percentage(u, 0) + ("*" if int(n) < RELIABLE_FROM else ""))
            if pd.notna(u)
            else (suppressed_label() if s else "–")
            for u, n, s in zip(
                cells["uitnutting"], cells["trajecten"].fillna(0), cells["onderdrukt"], strict=True
            )
        ],
    )

    def layer(column: str) -> pd.DataFrame:
        grid = cells.pivot(index="profiel", columns="intensiteit_naam", values=column)
        return grid.reindex(index=profiles, columns=intensities)

    values = layer("uitnutting").astype(float)
    fig = go.Figure()
    fig.add_heatmap(  # the grey under every cell: what has no value stays grey
        z=[[1.0] * len(intensities) for _ in profiles],
        x=intensities,
        y=profiles,
        colorscale=[(0, SUPPRESSED_GREY), (1, SUPPRESSED_GREY)],
        showscale=False,
        hoverinfo="skip",
        xgap=2,
        ygap=2,
    )
    fig.add_heatmap(
        z=values.to_numpy().tolist(),
        x=intensities,
        y=profiles,
        text=layer("label").to_numpy().tolist(),
        texttemplate="%{text}",
        textfont={"color": "#000000", "size": 13},
        colorscale=UTILISATION_SCALE,
        zmin=UTILISATION_RANGE[0],
        zmax=UTILISATION_RANGE[1],
        colorbar={"title": "Uitnutting", "tickformat": ".0%"},
        hoverinfo="skip",  # the point on the cell answers: hover and click are one thing
        xgap=2,
        ygap=2,
    )
    fig.add_scatter(  # an invisible point on each cell: its hover, and what a click selects
        x=cells["intensiteit_naam"],
        y=cells["profiel"],
        mode="markers",
        marker={"size": 28, "opacity": 0},
        customdata=list(
            zip(cells["spic_id"], cells["spic_code"], cells["label"], cells["aantal"], strict=True)
        ),
        hovertemplate="%{customdata[1]}, %{y}, %{x}<br>Uitnutting: %{customdata[2]}"
        "<br>Afgesloten trajecten: %{customdata[3]}<extra></extra>",
        showlegend=False,
    )
    fig.update_yaxes(
        title=None,
        type="category",
        categoryorder="array",
        categoryarray=profiles,
        autorange="reversed",
    )
    fig.update_xaxes(
        title=None, side="top", type="category", categoryorder="array", categoryarray=intensities
    )
    fig.update_yaxes(automargin=True)
    return _layout(
        fig,
        110 + 40 * len(profiles),
        # The title above the intensities (they sit on top of the grid), not on them.
        title={"text": f"Segment {segment}", "y": 0.995, "yanchor": "top", "x": 0},
        margin={"t": 80, "b": 10, "l": 10, "r": 10},
        # The nearest point is the cell under the pointer, anywhere in the cell.
        hoverdistance=-1,
    )


def utilisation_histogram(per_bin: pd.DataFrame, bin_width: float, last_bin: int) -> go.Figure:
    fig = go.Figure()
    for segment, group in per_bin.dropna(subset=["trajecten"]).groupby("segment"):
        fig.add_bar(
            x=group["ondergrens"] * 100 + bin_width * 50,
            y=group["trajecten"],
            width=bin_width * 100 * 0.95,
            name=f"Segment {segment}",
            marker={
                "color": SEGMENT_COLOURS[segment],
                "pattern": {"shape": SEGMENT_PATTERNS[segment]},
            },
            hovertemplate="%{x:.0f}% ± 5: %{y} trajecten<extra>Segment " + segment + "</extra>",
        )
    fig.add_vline(
        x=100,
        line={"dash": "dash", "color": "#000000"},
        annotation_text="100% = tarief",
        annotation_position="top right",
    )
    fig.update_xaxes(title="Uitnutting (kosten ÷ tarief, %)", ticksuffix="%")
    fig.update_yaxes(title="Afgesloten trajecten")
    fig.update_layout(barmode="group")
    return _layout(fig, 340)


def balance_bars(balans: pd.DataFrame) -> go.Figure:
    """Per main contractor: own and subcontracted cost stacked, the tariff as a marker."""
    rows = balans.dropna(subset=["tarief_cent"]).iloc[::-1]
    labels = [
        f"{n} (tekort)" if t else n for n, t in zip(rows["naam"], rows["tekort"], strict=True)
    ]
    ids = rows["aanbieder_id"].astype("Int64").fillna(-1).astype(int)
    custom = list(zip(ids, rows["resultaat_cent"] / 100, strict=True))
    fig = go.Figure()
    fig.add_bar(
        y=labels,
        x=rows["eigen_kosten_cent"] / 100,
        name="Kosten eigen zorg",
        orientation="h",
        marker={"color": PALETTE[0]},
        customdata=custom,
        hovertemplate="Eigen zorg: € %{x:,.0f}<br>Resultaat: € %{customdata[1]:,.0f}"
        "<extra></extra>",
    )
    fig.add_bar(
        y=labels,
        x=rows["onder_kosten_cent"] / 100,
        name="Kosten onderaanneming",
        orientation="h",
        marker={"color": PALETTE[1], "pattern": {"shape": "/"}},
        customdata=custom,
        hovertemplate="Onderaanneming: € %{x:,.0f}<br>Resultaat: € %{customdata[1]:,.0f}"
        "<extra></extra>",
    )
    fig.add_scatter(
        y=labels,
        x=rows["tarief_cent"] / 100,
        name="Ontvangen tarieven",
        mode="markers",
        marker={"symbol": "diamond", "size": 11, "color": "#000000"},
        customdata=custom,
        hovertemplate="Tarieven: € %{x:,.0f}<extra></extra>",
    )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title="Euro", tickprefix="€ ", tickformat=",.0f")
    # Largest deficit at the top, in the order of the view, not plotly's.
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=labels)
    return _layout(fig, 120 + 24 * len(rows))


def mark_voorlopig(fig: go.Figure, periods: pd.Series, width: pd.DateOffset) -> None:
    """Shade runs of voorlopig periods grey, with the word itself: not by colour alone."""
    months = sorted(set(periods))
    runs: list[list] = []
    for month in months:
        if runs and pd.Timestamp(runs[-1][-1]) + width == pd.Timestamp(month):
            runs[-1].append(month)
        else:
            runs.append([month])
    for n, run in enumerate(runs, start=1):
        fig.add_vrect(
            x0=pd.Timestamp(run[0]) - pd.Timedelta(days=14),
            x1=pd.Timestamp(run[-1]) + width - pd.Timedelta(days=14),
            fillcolor="#D9D9D9",
            opacity=0.5,
            line_width=0,
            layer="below",
            # One label (on the last run): labels of runs close together would overlap.
            annotation_text="voorlopig" if n == len(runs) else None,
            annotation_position="top right",
        )


def cost_tariff_trend(trend: pd.DataFrame, vorig_jaar: pd.DataFrame | None = None) -> go.Figure:
    """Cost (solid) and tariff value (dashed) per month and segment; voorlopig months shaded;
    last year's cost, when asked, as a grey dotted line on the same months."""
    fig = go.Figure()
    rows = trend.dropna(subset=["tarief_cent"])
    for segment, group in rows.groupby("segment"):
        colour = SEGMENT_COLOURS[segment]
        fig.add_scatter(
            x=group["maand"],
            y=group["tarief_cent"] / 100,
            name=f"Tariefwaarde {segment}",
            mode="lines+markers",
            line={"color": colour, "dash": "dash"},
            marker={"symbol": "diamond"},
            hovertemplate="%{x|%m-%Y}: € %{y:,.0f}<extra>Tarief " + segment + "</extra>",
        )
        fig.add_scatter(
            x=group["maand"],
            y=group["kosten_cent"] / 100,
            name=f"Kosten {segment}",
            mode="lines+markers",
            line={"color": colour},
            marker={"symbol": "circle"},
            hovertemplate="%{x|%m-%Y}: € %{y:,.0f}<extra>Kosten " + segment + "</extra>",
        )
    if vorig_jaar is not None:
        earlier = vorig_jaar.dropna(subset=["kosten_cent"])
        for segment, group in earlier.groupby("segment"):
            fig.add_scatter(
                x=group["maand"],
                y=group["kosten_cent"] / 100,
                name=f"Kosten {segment}, vorig jaar",
                mode="lines+markers",
                line={"color": LAST_YEAR, "dash": "dot"},
                marker={"symbol": "circle-open"},
                hovertemplate="Een jaar eerder: € %{y:,.0f}<extra>Kosten " + segment + "</extra>",
            )
    if "voorlopig" in rows:
        mark_voorlopig(fig, rows.loc[rows["voorlopig"], "maand"], pd.DateOffset(months=1))
    fig.update_yaxes(title="Euro per maand", tickprefix="€ ", tickformat=",.0f")
    fig.update_xaxes(title=None, tickformat="%m-%Y")
    return _layout(fig, 340)


def capacity_lines(monthly: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    for n, (contract, group) in enumerate(monthly.groupby("contract", sort=False)):
        colour = PALETTE[n % len(PALETTE)]
        fig.add_scatter(
            x=group["maand"],
            y=group["gebruikt_per_week"],
            name=f"Gebruikt: {contract}",
            mode="lines+markers",
            line={"color": colour},
            hovertemplate="%{x|%m-%Y}: %{y:,.1f} uur per week<extra></extra>",
        )
        fig.add_scatter(
            x=group["maand"],
            y=group["gereserveerd_per_week"],
            name=f"Gereserveerd: {contract}",
            mode="lines",
            line={"color": colour, "dash": "dot"},
            hovertemplate="Gereserveerd: %{y:,.1f} uur per week<extra></extra>",
        )
    fig.update_yaxes(title="Uren per week", rangemode="tozero")
    fig.update_xaxes(title=None, tickformat="%m-%Y")
    return _layout(fig, 340)


def tariff_gap(gap: pd.DataFrame, intensiteit_nr: int) -> go.Figure:
    """Per profile, for one intensity: B and C tariff (diamonds) and realised cost per
    trajectory (circles).

    A log scale, because C tariffs are ten to twenty times B tariffs; `customdata[0]` is the
    SPIC id, so a click selects that SPIC's trajectories.
    """
    gap = gap[gap["intensiteit_nr"] == intensiteit_nr].sort_values("profiel_nr").copy()
    gap["profiel"] = [
        profile_label(n, p) for n, p in zip(gap["profiel_nr"], gap["profiel_naam"], strict=True)
    ]
    fig = go.Figure()
    for segment in ("B", "C"):
        colour = SEGMENT_COLOURS[segment]
        for kind, column, symbol in (
            ("tarief", f"{segment.lower()}_tarief_cent", "diamond"),
            ("kosten per traject", f"{segment.lower()}_kosten_per_traject_cent", "circle"),
        ):
            rows = gap.dropna(subset=[column])
            fig.add_scatter(
                x=rows[column].astype(float) / 100,
                y=rows["profiel"],
                mode="markers",
                name=f"{segment}: {kind}",
                marker={
                    "symbol": symbol,
                    "size": 12,
                    "color": colour if symbol == "diamond" else "white",
                    "line": {"color": colour, "width": 2},
                },
                customdata=list(
                    zip(
                        rows[f"{segment.lower()}_spic_id"],
                        rows[f"{segment.lower()}_code"],
                        strict=True,
                    )
                ),
                hovertemplate="%{customdata[1]} " + kind + ": € %{x:,.0f}<extra></extra>",
            )
    fig.update_xaxes(
        type="log",
        title="Euro per traject (logaritmische schaal)",
        tickvals=LOG_TICKS,
        ticktext=[euro_cent(v * 100, hele_euros=True) for v in LOG_TICKS],
    )
    fig.update_yaxes(
        autorange="reversed",
        title=None,
        type="category",
        categoryorder="array",
        categoryarray=list(gap["profiel"]),
    )
    return _layout(fig, 120 + 34 * gap["profiel"].nunique())


RESULT_BARS = 25  # providers in a result chart; a national region has thousands


def result_bars(
    frame: pd.DataFrame, name_column: str = "naam", most: int = RESULT_BARS
) -> go.Figure:
    """Result per provider, deficits marked by pattern and label as well as colour: the `most`
    lowest results. A bar per provider of a national region made a chart metres tall that
    kept the browser busy for more than a second; the page's table holds them all."""
    rows = frame.dropna(subset=["resultaat_cent"]).nsmallest(most, "resultaat_cent").iloc[::-1]
    deficit = rows["resultaat_cent"] < 0
    labels = [f"{n} (tekort)" if d else n for n, d in zip(rows[name_column], deficit, strict=True)]
    fig = go.Figure(
        go.Bar(
            x=rows["resultaat_cent"] / 100,
            y=labels,
            orientation="h",
            marker={
                "color": [PALETTE[5] if d else PALETTE[2] for d in deficit],
                "pattern": {"shape": ["x" if d else "" for d in deficit]},
            },
            hovertemplate="%{y}: € %{x:,.0f}<extra></extra>",
        )
    )
    fig.add_vline(x=0, line={"color": "#000000"})
    fig.update_xaxes(
        title="Resultaat: tarieven min kosten (euro)", tickprefix="€ ", tickformat=",.0f"
    )
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=labels)
    return _layout(fig, 120 + 22 * len(rows), showlegend=False)


def flow_sankey(flows: pd.DataFrame) -> go.Figure:
    """Re-indications from B cells (left) to C cells (right), width by number."""
    rows = flows.dropna(subset=["aantal"])
    sources = list(dict.fromkeys(rows["van_code"]))
    targets = list(dict.fromkeys(rows["naar_code"]))
    nodes = sources + targets
    index = {code: n for n, code in enumerate(nodes)}
    fig = go.Figure(
        go.Sankey(
            arrangement="fixed",
            node={
                "label": nodes,
                "color": [SEGMENT_COLOURS[c[0]] for c in nodes],
                "pad": 12,
                "thickness": 14,
            },
            link={
                "source": [index[c] for c in rows["van_code"]],
                "target": [len(sources) + targets.index(c) for c in rows["naar_code"]],
                "value": rows["aantal"].astype(float),
                "color": "rgba(0,114,178,0.25)",
                "hovertemplate": "%{source.label} → %{target.label}: %{value} trajecten"
                "<extra></extra>",
            },
        )
    )
    return _layout(fig, max(320, 22 * len(nodes)))


def tranche_bars(per_maand: pd.DataFrame, vorig_jaar: pd.DataFrame | None = None) -> go.Figure:
    """Start and completion tranches due per month; the open liability as a line; the
    tranches of a year earlier, when asked, as a grey dotted line on the same months."""
    fig = go.Figure()
    fig.add_bar(
        x=per_maand["maand"],
        y=per_maand["start_cent"] / 100,
        name="Starttranches",
        marker={"color": PALETTE[0]},
        hovertemplate="%{x|%m-%Y}: € %{y:,.0f}<extra>Start</extra>",
    )
    fig.add_bar(
        x=per_maand["maand"],
        y=per_maand["afronding_cent"] / 100,
        name="Afrondingstranches",
        marker={"color": PALETTE[1], "pattern": {"shape": "/"}},
        hovertemplate="%{x|%m-%Y}: € %{y:,.0f}<extra>Afronding</extra>",
    )
    fig.add_scatter(
        x=per_maand["maand"],
        y=per_maand["openstaand_cent"] / 100,
        name="Nog te betalen (eind van de maand)",
        mode="lines+markers",
        line={"color": "#000000", "dash": "dot"},
        marker={"symbol": "diamond"},
        yaxis="y2",
        hovertemplate="%{x|%m-%Y}: € %{y:,.0f}<extra>Openstaand</extra>",
    )
    if vorig_jaar is not None:
        fig.add_scatter(
            x=vorig_jaar["maand"],
            y=(vorig_jaar["start_cent"] + vorig_jaar["afronding_cent"]) / 100,
            name="Tranches een jaar eerder",
            mode="lines+markers",
            line={"color": LAST_YEAR, "dash": "dot"},
            marker={"symbol": "circle-open"},
            hovertemplate="Een jaar eerder: € %{y:,.0f}<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        yaxis={"title": "Tranches per maand (euro)", "tickprefix": "€ ", "tickformat": ",.0f"},
        yaxis2={
            "title": "Openstaand (euro)",
            "overlaying": "y",
            "side": "right",
            "tickprefix": "€ ",
            "tickformat": ",.0f",
            "rangemode": "tozero",
        },
    )
    fig.update_xaxes(tickformat="%m-%Y")
    return _layout(fig, 360)


# Outliers named on the funnel plot: at most this many, those with the most cases first, and
# only where a name fits without covering another (estimated on a plot of FUNNEL_PLOT_PX). At
# national scale many small providers lie outside the limits close together; the summary
# beside the chart and the table name every one.
FUNNEL_LABELS = 10
FUNNEL_PLOT_PX = (760, 300)
FUNNEL_MARKER = 11
# Providers inside the limits that fall in one square of this many pixels (on a plot of
# FUNNEL_PLOT_PX) share one marker, named in its hover text. At national scale more than
# 3.000 markers of 11 px lay mostly on top of each other, and drawing them was half of the
# page's time in the browser; a third of a marker's width apart they look the same.
FUNNEL_CELL_PX = 4


def _funnel_px(points: pd.DataFrame, high: float, y_top: float) -> tuple[pd.Series, pd.Series]:
    """Where points land on a plot of FUNNEL_PLOT_PX with a logarithmic x axis up to
    10**high cases and a y axis up to y_top."""
    width, height = FUNNEL_PLOT_PX
    xs = np.log10(points["n"].astype(float).clip(lower=1)) / high * width
    ys = points["rate"].astype(float) / max(y_top, 1e-9) * height
    return xs, ys


def funnel_labels(outliers: pd.DataFrame, y_top: float) -> dict[object, str]:
    """Where each named outlier's name goes (see FUNNEL_LABELS), by index of `outliers`."""
    if outliers.empty:
        return {}
    high = max(float(np.log10(outliers["n"].astype(float).clip(lower=1)).max()), 1.0) + 0.1
    xs, ys = _funnel_px(outliers, high, y_top)
    width, height = FUNNEL_PLOT_PX
    order = outliers["n"].sort_values(ascending=False, kind="stable").index[:FUNNEL_LABELS]
    return _place_labels(
        xs,
        ys,
        pd.Series(FUNNEL_MARKER / 2, index=outliers.index),
        outliers["naam"].astype(str),
        bounds=(0, 0, width, height + LABEL_FONT * 2),
        order=order,
        avoid_markers=False,
    )


def funnel_markers(inside: pd.DataFrame, n_max: float, y_top: float) -> pd.DataFrame:
    """The markers drawn for the providers inside the limits: one per FUNNEL_CELL_PX square,
    at the provider with the most cases there, with a hover text (`wie`) that counts the
    others under it."""
    if inside.empty:
        return inside.assign(wie=pd.Series(dtype=str))
    high = max(float(np.log10(max(n_max, 1.0))), 1.0) + 0.1
    xs, ys = _funnel_px(inside, high, y_top)
    cells = inside.assign(
        _x=(xs // FUNNEL_CELL_PX).astype(int), _y=(ys // FUNNEL_CELL_PX).astype(int)
    ).sort_values("n", ascending=False, kind="stable")
    under = cells.groupby(["_x", "_y"], sort=False)["n"].transform("size") - 1
    first = ~cells.duplicated(["_x", "_y"])
    shown, others = cells[first], under[first]
    extra = [
        "" if k == 0 else f" en {k} andere aanbieder{'s' if k > 1 else ''} op dezelfde plek"
        for k in others
    ]
    return shown.drop(columns=["_x", "_y"]).assign(wie=shown["naam"].astype(str) + extra)


def funnel_plot(points: pd.DataFrame, grid: pd.DataFrame, regio: float, label: str) -> go.Figure:
    """Rate against number of cases with 95% and 99.8% limits; outliers get another symbol,
    and the largest of them their name where it fits (`funnel_labels`)."""
    fig = go.Figure()
    for lo, hi, name, dash in (
        ("lo95", "hi95", "95%-grenzen", "dash"),
        ("lo998", "hi998", "99,8%-grenzen", "dot"),
    ):
        for column, show in ((lo, True), (hi, False)):
            fig.add_scatter(
                x=grid["n"],
                y=grid[column],
                mode="lines",
                name=name,
                showlegend=show,
                legendgroup=name,
                line={"color": "#555555", "dash": dash},
                hoverinfo="skip",
            )
    fig.add_hline(y=regio, line={"color": "#000000"}, annotation_text="regio")
    y_top = float(points["rate"].max()) if len(points) else 1.0
    n_max = float(points["n"].max()) if len(points) else 1.0
    for outside, symbol, name, colour in (
        (False, "circle", "Binnen de grenzen", PALETTE[0]),
        (True, "x", "Buiten 99,8%", PALETTE[5]),
    ):
        rows = points[points["buiten_998"] == outside]
        if outside:
            rows = rows.assign(wie=rows["naam"].astype(str))
        else:
            rows = funnel_markers(rows, n_max, y_top)
        labels = funnel_labels(rows, y_top) if outside else {}
        fig.add_scatter(
            x=rows["n"],
            y=rows["rate"],
            mode="markers+text" if outside else "markers",
            text=[rows.at[i, "naam"] if i in labels else "" for i in rows.index]
            if outside
            else None,
            textposition=[labels.get(i, "top center") for i in rows.index] if outside else None,
            name=name,
            marker={"symbol": symbol, "size": FUNNEL_MARKER, "color": colour},
            customdata=rows[["wie"]],
            hovertemplate="%{customdata[0]}: %{y:.1%} bij %{x} trajecten<extra></extra>",
        )
    # A logarithmic axis: at national scale most providers have tens of cases and a few have
    # thousands; on a linear axis the small ones, where the limits are wide and the outliers
    # often are, crowd into the first millimetres.
    # Ticks at 1, 2, 5, 10, 20, ... written out in full: Plotly's own log ticks label the
    # steps between powers of ten with their first digit only ("2 3 4 ... 10 2 3").
    ticks = [
        step * 10**power
        for power in range(int(np.log10(max(n_max, 1.0))) + 2)
        for step in (1, 2, 5)
        if step * 10**power <= max(n_max, 1.0) * 2
    ]
    fig.update_xaxes(
        title="Aantal beëindigde trajecten (logaritmische schaal)", type="log", tickvals=ticks
    )
    fig.update_yaxes(title=label, tickformat=".0%", rangemode="tozero")
    return _layout(fig, 420)


ROLE_STYLE = {  # colour and marker symbol: the role is told by shape as well as colour
    "C-aanbieder": (PALETTE[1], "square"),
    "B-aanbieder": (PALETTE[0], "circle"),
    "Geen zorgaanbieder": (PALETTE[2], "diamond"),
    "Niet gecontracteerd": (PALETTE[3], "triangle-up"),
}
LABEL_FONT = 10
# Colours for the groups of providers in the network (Okabe-Ito without black and yellow,
# which are hard to read as marker fills); shapes, not colours, carry the role.
COMMUNITY_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
# The smallest plot area the network is drawn in (measured in Chromium at 1280 px wide with
# the sidebar open and the legend in two rows): labels that do not collide here do not collide
# on a wider screen either, because the axes keep equal scales and only grow.
NETWORK_PLOT_PX = (800, 470)
CHAR_PX = 0.62 * LABEL_FONT  # generous: measured 0.42 per point for these names


def network_ranges(nodes: pd.DataFrame) -> tuple[tuple[float, float], tuple[float, float]]:
    """Fixed axis ranges, so the drawing and the label estimate share one scale; extra room
    above for the names of the topmost nodes."""
    xs, ys = nodes["x"].astype(float), nodes["y"].astype(float)
    span_x = max(float(xs.max() - xs.min()), 1e-9)
    span_y = max(float(ys.max() - ys.min()), 1e-9)
    return (
        (float(xs.min()) - 0.06 * span_x, float(xs.max()) + 0.06 * span_x),
        (float(ys.min()) - 0.06 * span_y, float(ys.max()) + 0.12 * span_y),
    )


def _overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return not (a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1])


def _label_box(
    position: str, x: float, y: float, radius: float, width: float
) -> tuple[float, float, float, float]:
    height = LABEL_FONT * 1.5
    if position == "top center":
        return (x - width / 2, y + radius + 1, x + width / 2, y + radius + 1 + height)
    if position == "bottom center":
        return (x - width / 2, y - radius - 1 - height, x + width / 2, y - radius - 1)
    if position == "middle right":
        return (x + radius + 2, y - height / 2, x + radius + 2 + width, y + height / 2)
    return (x - radius - 2 - width, y - height / 2, x - radius - 2, y + height / 2)


LABEL_POSITIONS = ("top center", "bottom center", "middle right", "middle left")


def free_labels(nodes: pd.DataFrame, sizes: pd.Series) -> dict[object, str]:
    """Where to draw each node's name so that it overlaps no other name and no other node
    and stays inside the plot: above it, under it, right or left of it, or (absent from the
    result) not at all. The largest nodes choose first. Estimated in pixels of the smallest
    plot (NETWORK_PLOT_PX); every node keeps its name in the hover and the table."""
    if nodes.empty:
        return {}
    (x0, x1), (y0, y1) = network_ranges(nodes)
    scale = min(NETWORK_PLOT_PX[0] / (x1 - x0), NETWORK_PLOT_PX[1] / (y1 - y0))  # px per unit
    return _place_labels(
        nodes["x"].astype(float) * scale,
        nodes["y"].astype(float) * scale,
        sizes.astype(float) / 2,
        nodes["aanbieder"].astype(str),
        bounds=(x0 * scale, y0 * scale, x1 * scale, y1 * scale),
        order=sizes.sort_values(ascending=False).index,
        avoid_markers=True,
    )


def _place_labels(
    xs: pd.Series,
    ys: pd.Series,
    radius: pd.Series,
    names: pd.Series,
    *,
    bounds: tuple[float, float, float, float],
    order: pd.Index,
    avoid_markers: bool,
) -> dict[object, str]:
    """Label positions (pixels, y up) in `order`: the first of LABEL_POSITIONS whose box stays
    inside `bounds` and overlaps no label placed before it (nor, with `avoid_markers`, another
    marker); no entry where none fits."""
    markers = {
        i: (xs[i] - radius[i], ys[i] - radius[i], xs[i] + radius[i], ys[i] + radius[i])
        for i in xs.index
    }
    placed: list[tuple[float, float, float, float]] = []
    chosen: dict[object, str] = {}
    for index in order:
        width = len(names[index]) * CHAR_PX + 6
        for position in LABEL_POSITIONS:
            box = _label_box(position, xs[index], ys[index], radius[index], width)
            if (
                bounds[0] <= box[0]
                and box[2] <= bounds[2]
                and bounds[1] <= box[1]
                and box[3] <= bounds[3]
                and not any(_overlaps(box, other) for other in placed)
                and not (
                    avoid_markers
                    and any(_overlaps(box, m) for i, m in markers.items() if i != index)
                )
            ):
                placed.append(box)
                chosen[index] = position
                break
    return chosen


FORM_DASH = {
    "per_jeugdige": "solid",
    "structureel_fte": "dash",
    "gereserveerde_uren": "dot",
    "raamovereenkomst": "dashdot",
}


def network_figure(nodes: pd.DataFrame, edges: pd.DataFrame, weight: str) -> go.Figure:
    """Providers as nodes (size by volume), relations as arrows main -> sub (width by weight)."""
    pos = {r.aanbieder: (r.x, r.y) for r in nodes.itertuples()}
    fig = go.Figure()
    top = float(edges[weight].max()) if len(edges) else 1.0
    ratio = edges[weight].astype(float) / top if len(edges) else edges[weight]
    widths = pd.Series(1.0, index=edges.index).where(ratio < 0.1, 3.0).where(ratio < 0.4, 6.0)
    for form, group in edges.assign(breedte=widths).groupby("vorm", sort=True):
        first = True
        for width, part in group.groupby("breedte", sort=True):
            xs: list[float | None] = []
            ys: list[float | None] = []
            sizes: list[int] = []
            for row in part.itertuples():
                (x0, y0), (x1, y1) = pos[row.hoofd], pos[row.onder]
                # Stop short of the target so the arrow head sits outside its marker.
                xe, ye = x0 + 0.92 * (x1 - x0), y0 + 0.92 * (y1 - y0)
                xs += [x0, xe, None]
                ys += [y0, ye, None]
                sizes += [0, 9, 0]
            fig.add_scatter(
                x=xs,
                y=ys,
                mode="lines+markers",
                hoverinfo="skip",
                line={"width": width, "color": "#777777", "dash": FORM_DASH.get(form, "solid")},
                marker={
                    "symbol": "arrow",
                    "angleref": "previous",
                    "size": sizes,
                    "color": "#555555",
                },
                name=label(VORM, form),
                legendgroup=form,
                showlegend=first,
            )
            first = False
    volume = nodes["kosten_cent"] if weight == "kosten_cent" else nodes["uren"]
    biggest = float(volume.max()) if len(volume) else 1.0
    sizes = 10 + 30 * (volume.astype(float) / (biggest or 1.0)) ** 0.5
    # Names only where they collide with no other name; every node has its name in the hover.
    labelled = free_labels(nodes, sizes)
    for role, group in nodes.groupby("rol", sort=True):
        _, symbol = ROLE_STYLE.get(role, ("#000000", "circle"))
        fig.add_scatter(
            x=group["x"],
            y=group["y"],
            mode="markers+text",
            name=role,
            text=[n if i in labelled else "" for i, n in group["aanbieder"].items()],
            textposition=[labelled.get(i, "top center") for i in group.index],
            textfont={"size": LABEL_FONT, "color": "#1b1b1b"},
            marker={
                "size": sizes.loc[group.index],
                # Colour: the group of providers that mostly work together; shape: the role.
                "color": [
                    COMMUNITY_COLOURS[(g - 1) % len(COMMUNITY_COLOURS)] for g in group["groep"]
                ],
                "symbol": symbol,
                "line": {"width": 1, "color": "#333333"},
            },
            customdata=list(
                zip(
                    group["aanbieder"],
                    group["kosten_cent"] / 100,
                    group["uren"],
                    group["groep"],
                    strict=True,
                )
            ),
            hovertemplate="%{customdata[0]} (groep %{customdata[3]})"
            "<br>Zorg: € %{customdata[1]:,.0f}<br>Uren: %{customdata[2]:,.0f}"
            "<extra>" + role + "</extra>",
        )
    x_range, y_range = network_ranges(nodes) if len(nodes) else ((0, 1), (0, 1))
    fig.update_xaxes(visible=False, range=x_range, constrain="domain")
    fig.update_yaxes(visible=False, range=y_range, scaleanchor="x", constrain="domain")
    return _layout(fig, 640)


def starts_per_quarter(
    per_kwartaal: pd.DataFrame, vorig_jaar: pd.DataFrame | None = None
) -> go.Figure:
    """Started trajectories per quarter, B and C side by side (colour and pattern); last
    year's quarters, when asked, as dashed lines with open markers on the same quarters."""
    fig = go.Figure()
    rows = per_kwartaal.dropna(subset=["gestart"])
    quarters = sorted(set(rows["kwartaal"]))
    for segment, group in rows.groupby("segment", sort=True):
        fig.add_bar(
            x=group["kwartaal"],
            y=group["gestart"],
            name=str(segment),
            marker={
                "color": SEGMENT_COLOURS[segment],
                "pattern": {"shape": SEGMENT_PATTERNS[segment]},
            },
            hovertemplate="%{x}: %{y} gestart<extra>Segment " + str(segment) + "</extra>",
        )
    if vorig_jaar is not None:
        earlier = vorig_jaar.dropna(subset=["gestart"])
        earlier = earlier[earlier["kwartaal"].isin(quarters)]
        for segment, group in earlier.groupby("segment", sort=True):
            fig.add_scatter(
                x=group["kwartaal"],
                y=group["gestart"],
                name=f"{segment}, vorig jaar",
                mode="lines+markers",
                line={"color": LAST_YEAR, "dash": "dash" if segment == "B" else "dot"},
                marker={"symbol": "circle-open" if segment == "B" else "square-open", "size": 9},
                hovertemplate="Een jaar eerder: %{y} gestart<extra>Segment "
                + str(segment)
                + "</extra>",
            )
    fig.update_layout(barmode="group", legend_title_text="Segment")
    fig.update_xaxes(
        title="Kwartaal", type="category", categoryorder="array", categoryarray=quarters
    )
    fig.update_yaxes(title="Gestarte trajecten")
    return _layout(fig, 340)


FORM_PATTERNS = ("", "/", "x", ".")


def contract_forms(per_kwartaal: pd.DataFrame) -> go.Figure:
    """Euros paid to subcontractors per quarter, stacked by contract form."""
    fig = go.Figure()
    for n, (vorm, group) in enumerate(per_kwartaal.groupby("vorm", sort=True)):
        fig.add_bar(
            x=group["kwartaal"],
            y=group["kosten_cent"] / 100,
            name=label(VORM, vorm),
            marker={
                "color": PALETTE[n % len(PALETTE)],
                "pattern": {"shape": FORM_PATTERNS[n % len(FORM_PATTERNS)]},
            },
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=sorted(set(per_kwartaal["kwartaal"])),
    )
    fig.update_yaxes(
        title="Vergoeding aan onderaannemers (euro)", tickprefix="€ ", tickformat=",.0f"
    )
    return _layout(fig, 340, legend={"orientation": "h", "y": -0.2})


REPORT_PATTERNS = ("", "/", "\\", "x", "-", "|", "+", ".", "")


def reports_per_month(per_maand: pd.DataFrame) -> go.Figure:
    """Reports per month, stacked by category (colour and pattern)."""
    fig = go.Figure()
    rows = per_maand.dropna(subset=["meldingen"])
    for n, (cat, group) in enumerate(rows.groupby("categorie", sort=True)):
        fig.add_bar(
            x=group["maand"],
            y=group["meldingen"],
            name=label(CATEGORIE, cat),
            marker={
                "color": PALETTE[n % len(PALETTE)],
                "pattern": {"shape": REPORT_PATTERNS[n % len(REPORT_PATTERNS)]},
            },
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(
        type="category", categoryorder="array", categoryarray=sorted(set(rows["maand"]))
    )
    fig.update_yaxes(title="Meldingen")
    return _layout(fig, 360, legend={"orientation": "h", "y": -0.3})


def network_sankey(edges: pd.DataFrame, weight: str) -> go.Figure:
    """The same relations as flows: main contractors left, subcontractors right, width by
    weight; the order is the view's (heaviest first)."""
    mains = list(dict.fromkeys(edges["hoofd"]))
    subs = list(dict.fromkeys(edges["onder"]))
    nodes = [f"{m} " for m in mains] + subs  # one provider may be on both sides
    unit = {"kosten_cent": "euro", "uren": "uur", "trajecten": "trajecten"}[weight]
    values = edges[weight].astype(float) / (100 if weight == "kosten_cent" else 1)
    fig = go.Figure(
        go.Sankey(
            arrangement="fixed",
            node={
                "label": nodes,
                "color": [PALETTE[0]] * len(mains) + [PALETTE[1]] * len(subs),
                "pad": 8,
                "thickness": 14,
            },
            link={
                "source": [mains.index(m) for m in edges["hoofd"]],
                "target": [len(mains) + subs.index(o) for o in edges["onder"]],
                "value": values,
                "color": "rgba(0,114,178,0.25)",
                "hovertemplate": "%{source.label}→ %{target.label}: %{value:,.0f} "
                + unit
                + "<extra></extra>",
            },
        )
    )
    return _layout(fig, max(420, 18 * max(len(mains), len(subs))))
