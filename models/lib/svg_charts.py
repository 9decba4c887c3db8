"""Small SVG charts drawn on the server, so they print in the PDF as well.

The functions return SVG markup as a string; every label is escaped here, the
callers wrap the result in ``markupsafe.Markup`` for QWeb.
"""

from html import escape

BAR_COLOURS = ("#2f6f8f", "#d98c2b", "#6b8e23", "#8f3f71", "#5a5a5a")


def _fmt(value):
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}".replace(",", " ")
    if float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.1f}"


def bar_chart(title, labels, series, width=640, bar_height=16, label_width=170):
    """Horizontal bars, one group per label and one bar per series.

    :param labels: category names, top to bottom
    :param series: list of ``(name, values)``; ``values`` align with ``labels``,
        ``None`` counts as zero
    """
    series = [(name, [v or 0.0 for v in values]) for name, values in series]
    peak = max([max(values, default=0.0) for _name, values in series] + [0.0])
    per_group = bar_height * len(series) + 8
    legend_height = 18 if len(series) > 1 else 0
    top = 24 + legend_height
    height = top + max(per_group * len(labels), 20) + 6
    plot_width = width - label_width - 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="Helvetica, Arial, sans-serif" font-size="11">',
        f'<text x="0" y="14" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for index, (name, _values) in enumerate(series if legend_height else []):
        x = index * 150
        colour = BAR_COLOURS[index % len(BAR_COLOURS)]
        parts.append(
            f'<rect x="{x}" y="24" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="33">{escape(name)}</text>'
        )
    if not labels:
        parts.append(f'<text x="0" y="{top + 14}" fill="#777">No data</text>')
    for row, label in enumerate(labels):
        y = top + row * per_group
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar_height - 3}" '
            f'text-anchor="end">{escape(str(label)[:40])}</text>'
        )
        for index, (_name, values) in enumerate(series):
            value = values[row]
            length = plot_width * value / peak if peak > 0 and value > 0 else 0
            colour = BAR_COLOURS[index % len(BAR_COLOURS)]
            bar_y = y + index * bar_height
            parts.append(
                f'<rect x="{label_width}" y="{bar_y}" width="{length:.1f}" '
                f'height="{bar_height - 3}" fill="{colour}"/>'
                f'<text x="{label_width + length + 4:.1f}" '
                f'y="{bar_y + bar_height - 5}">{_fmt(value)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
