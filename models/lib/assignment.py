"""Who gets the next lead: rotation, load and working-hours arithmetic.

Plain Python on plain values (ids, counts, datetimes) so that it can be tested
without a database; the models feed it from a few aggregate queries.
"""

ROUND_ROBIN = "round_robin"
FEWEST_OPEN = "fewest_open"
CAPACITY = "capacity"


def on_duty(intervals, moment):
    """Whether ``moment`` falls in one of the ``(start, stop)`` work intervals.

    The stop bound is excluded: someone whose day ends at 17:00 is off duty at
    17:00 sharp.
    """
    return any(start <= moment < stop for start, stop in intervals)


def next_in_rotation(members, last, eligible):
    """The member after ``last`` in the fixed order ``members`` who is eligible.

    ``last`` may be missing from ``members`` (removed from the pool since, or
    nobody assigned yet): the rotation then starts over from the first member,
    so nobody is served twice in a row because of a pool edit. Returns None
    when nobody is eligible.
    """
    if not members:
        return None
    start = members.index(last) + 1 if last in members else 0
    count = len(members)
    for step in range(count):
        candidate = members[(start + step) % count]
        if candidate in eligible:
            return candidate
    return None


def rotate(members, last, eligible, count):
    """``count`` successive round-robin picks; returns (picks, new last)."""
    picks = []
    for _index in range(count):
        pick = next_in_rotation(members, last, eligible)
        if pick is None:
            break
        picks.append(pick)
        last = pick
    return picks, last


def fewest_open(members, loads, eligible, count):
    """``count`` picks, each to the eligible member with the fewest open leads.

    Each pick adds one to that member's load so that a batch spreads out; ties
    go to the earlier member in ``members`` order.
    """
    loads = {member: loads.get(member, 0) for member in members}
    candidates = [member for member in members if member in eligible]
    picks = []
    if not candidates:
        return picks
    for _index in range(count):
        pick = min(
            candidates, key=lambda member: (loads[member], members.index(member))
        )
        picks.append(pick)
        loads[pick] += 1
    return picks


def by_capacity(members, loads, capacities, eligible, count):
    """``count`` picks weighted by capacity, never beyond it.

    The next lead goes to the eligible member whose load after taking it is the
    smallest share of their capacity, so a member with twice the capacity gets
    about twice the leads. A member whose open leads reach their capacity gets
    no more; picks stop when everyone is full (the caller falls back).
    """
    loads = {member: loads.get(member, 0) for member in members}
    picks = []
    for _index in range(count):
        open_members = [
            member
            for member in members
            if member in eligible and loads[member] < capacities.get(member, 0)
        ]
        if not open_members:
            break
        pick = min(
            open_members,
            key=lambda member: (
                (loads[member] + 1) / capacities[member],
                members.index(member),
            ),
        )
        picks.append(pick)
        loads[pick] += 1
    return picks
