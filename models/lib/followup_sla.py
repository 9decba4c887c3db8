"""Follow-up deadlines and SLA states, as plain arithmetic over business hours."""

from dataclasses import dataclass, field
from datetime import datetime

RUNGS = ("owner", "leader", "reassign")


@dataclass
class FollowupRule:
    """Targets of a follow-up policy, all in business minutes."""

    first_response: float
    interval: float = 0.0
    warn: float = 0.0
    leader_delay: float = 0.0
    reassign_delay: float | None = None


@dataclass
class Timeline:
    """What is due for a lead, and when each alert rung falls due."""

    kind: str | None = None
    deadline: datetime | None = None
    warn_at: datetime | None = None
    rungs: dict = field(default_factory=dict)

    def state(self, now):
        if not self.deadline:
            return "met"
        if now >= self.deadline:
            return "breached"
        if now >= self.warn_at:
            return "due_soon"
        return "on_track"

    def next_check(self, now, sent=()):
        """Earliest moment the follow-up action has something to do.

        That is a state change still ahead, or a rung not yet sent (even one in
        the past: a late run must still send it).
        """
        moments = [m for m in (self.warn_at, self.deadline) if m and m > now]
        moments += [at for rung, at in self.rungs.items() if rung not in sent]
        return min(moments, default=None)


def timeline(
    hours, rule, *, start, first_contact, last_contact, last_touch, stage_entry
):
    """The current deadline of a lead under ``rule``.

    - not contacted yet: first response, counted from ``start`` (assignment);
    - the customer wrote after our last contact: a reply, within the same target;
    - otherwise, with an interval: the next contact, counted from our last
      contact or the entry into the stage, whichever is later;
    - otherwise nothing is due.
    """
    if not first_contact:
        kind, reference, target = "first_response", start, rule.first_response
    elif last_touch and last_touch > last_contact:
        kind, reference, target = "reply", last_touch, rule.first_response
    elif rule.interval:
        reference = max(last_contact, stage_entry or last_contact)
        kind, target = "followup", rule.interval
    else:
        return Timeline()
    deadline = hours.add_minutes(reference, target)
    warn_at = hours.add_minutes(reference, max(target - rule.warn, 0.0))
    rungs = {
        "owner": warn_at,
        "leader": hours.add_minutes(deadline, rule.leader_delay),
    }
    if rule.reassign_delay is not None:
        rungs["reassign"] = hours.add_minutes(deadline, rule.reassign_delay)
    return Timeline(kind=kind, deadline=deadline, warn_at=warn_at, rungs=rungs)
