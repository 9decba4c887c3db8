"""First-response times summarised as counts per band of minutes.

The KPI summary cannot keep every response time of a million leads, so it
counts them per band. Medians and shares within a target are then read from the
bands: exact where the target falls on a band's edge (every whole number of
hours up to 4 and the usual 8, 12, 24, 48 and 72 hours), interpolated linearly
inside a band otherwise.
"""

# Upper edges of the bands, in business minutes, inclusive; the last band, above
# the last edge, is open.
EDGES = (5, 15, 30, 60, 120, 180, 240, 480, 720, 1440, 2880, 4320)
COUNT = len(EDGES) + 1


def field_name(band):
    return f"responses_band_{band:02d}"


FIELD_NAMES = tuple(field_name(band) for band in range(COUNT))


def bounds(band):
    """``(low, high)`` minutes of a band: low excluded, high included; ``high``
    is ``None`` for the open last band."""
    low = EDGES[band - 1] if band else 0.0
    high = EDGES[band] if band < len(EDGES) else None
    return low, high


def band_of(minutes):
    for band, edge in enumerate(EDGES):
        if minutes <= edge:
            return band
    return len(EDGES)


def within_weights(target):
    """The share of each band's responses that took at most ``target`` minutes:
    1 below the target, 0 above, linear inside the band that holds it."""
    weights = []
    for band in range(COUNT):
        low, high = bounds(band)
        if high is not None and high <= target:
            weights.append(1.0)
        elif high is not None and low < target:
            weights.append((target - low) / (high - low))
        else:
            weights.append(0.0)
    return weights


def count_within(counts, target):
    """How many of the counted responses took at most ``target`` minutes."""
    return sum(
        count * weight
        for count, weight in zip(counts, within_weights(target), strict=True)
    )


def median(counts):
    """The median response time, ``None`` without responses.

    Inside the band that holds the middle response the times are taken as
    evenly spread; in the open last band the median is that band's low edge.
    """
    total = sum(counts)
    if not total:
        return None
    middle = total / 2.0
    seen = 0
    for band, count in enumerate(counts):
        if count and seen + count >= middle:
            low, high = bounds(band)
            if high is None:
                return float(low)
            return low + (high - low) * (middle - seen) / count
        seen += count
    return float(EDGES[-1])
