"""Bar charts drawn on the server as inline SVG, so the dashboard needs no JavaScript.

`bar_chart()` returns escaped, accessible markup: `<svg role="img">` labelled by its `<title>`
and `<desc>`, one `<rect>` per non-zero value with its own `<title>` tooltip. The numbers are
also in a table next to the chart (see templates/staff/dashboard.html) for screen readers and
for copying. Built with format_html, not a template loop: it is the hot path of the page.
"""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


def bar_chart(
    *,
    chart_id: str,
    values: list[int],
    labels: list[str],
    title: str,
    description: str,
    max_label: str,
    bar_class: str,
    width: int = 600,
    height: int = 160,
    padding: int = 20,
) -> SafeString:
    """Scale `values` (non-negative) into bars filling a `width` x `height` box.

    `labels` name each bar (its tooltip), oldest first; `max_label` names the top of the scale.
    The tallest bar fills the plot; an all-zero series draws the axis only.
    """
    if len(values) != len(labels):
        raise ValueError("One label per value.")
    plot_height = height - 2 * padding
    slot = (width - 2 * padding) / max(len(values), 1)
    baseline = padding + plot_height
    top = max(values, default=0)
    bars = []
    for i, (value, label) in enumerate(zip(values, labels, strict=True)):
        if not value:
            continue
        bar_height = value / top * plot_height
        bars.append(
            (
                bar_class,
                f"{padding + i * slot + slot * 0.1:.2f}",
                f"{baseline - bar_height:.2f}",
                f"{slot * 0.8:.2f}",
                f"{bar_height:.2f}",
                label,
            )
        )
    rects = format_html_join(
        "",
        '<rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>',
        bars,
    )
    first = labels[0].split(":")[0] if labels else ""
    last = labels[-1].split(":")[0] if labels else ""
    return format_html(
        '<svg role="img" aria-labelledby="chart-{id}-title chart-{id}-desc" '
        'viewBox="0 0 {w} {h}" width="100%" preserveAspectRatio="xMidYMid meet" '
        'xmlns="http://www.w3.org/2000/svg">'
        '<title id="chart-{id}-title">{title}</title>'
        '<desc id="chart-{id}-desc">{desc}</desc>'
        '<line class="staff-axis" x1="{p}" y1="{base}" x2="{right}" y2="{base}"/>'
        "{rects}"
        '<text class="staff-chart-label" x="{p}" y="14">max {max_label}</text>'
        '<text class="staff-chart-label" x="{p}" y="{bottom}">{first}</text>'
        '<text class="staff-chart-label" x="{right}" y="{bottom}" text-anchor="end">{last}</text>'
        "</svg>",
        id=chart_id,
        w=width,
        h=height,
        title=title,
        desc=description,
        p=padding,
        base=baseline,
        right=width - padding,
        rects=rects,
        max_label=max_label,
        bottom=height - 4,
        first=first,
        last=last,
    )
