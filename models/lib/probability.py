"""Stage probability arithmetic, free of the ORM so it can be tested directly."""

PRECISION = 2


def stage_value(is_won, percent):
    """Probability a stage gives its open leads, or None for predictive scoring.

    A won stage is always 100 (the host refuses anything else there); any other
    stage without a positive percentage leaves its leads to predictive scoring.
    """
    if is_won:
        return 100.0
    if percent and percent > 0:
        return float(percent)
    return None


def same_probability(first, second):
    return round(float(first or 0.0) - float(second or 0.0), PRECISION) == 0


def follows_stage(written, value, leaving_won=False):
    """Whether a probability written on a lead is the stage's own value.

    A lead dragged out of a won stage still carries the won 100 %; a client that
    saves it along with the new stage must not turn it into a manual override.
    """
    if same_probability(written, value):
        return True
    return leaving_won and same_probability(written, 100.0)


def weighted_amount(expected_revenue, probability):
    """Expected revenue weighted by the probability, in the same currency."""
    return float(expected_revenue or 0.0) * float(probability or 0.0) / 100.0
