"""Local and UTC times of talks from what pages publish (naive local, or with offset)."""

from __future__ import annotations

from datetime import datetime, timezone

from ..timezones import zone


def localize(start: str | None, tz_name: str | None) -> tuple[str | None, str | None]:
    """ISO start as published → (local ISO with the event's offset, UTC ISO with Z).

    A naive time is local to the event's zone (DST resolved by zoneinfo); an aware one
    is converted to that zone. With no zone known, a naive time stays naive and has
    no UTC value; an aware one keeps its own offset.
    """
    if not start:
        return None, None
    try:
        moment = datetime.fromisoformat(start.replace("Z", "+00:00"))
    except ValueError:
        return None, None
    tz = zone(tz_name)
    if moment.tzinfo is None:
        if tz is None:
            return moment.isoformat(), None
        moment = moment.replace(tzinfo=tz)
    elif tz is not None:
        moment = moment.astimezone(tz)
    utc = moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat() + "Z"
    return moment.isoformat(), utc
