"""Schemathesis hooks for `.ci/schemathesis` (loaded through SCHEMATHESIS_HOOKS).

Two things the OpenAPI document states in words but no JSON Schema keyword can hold:

- Times: the service reads RFC 3339 times from 1970-01-01T00:00:00Z to
  9998-12-31T23:59:59Z (UTC), and refuses an event (or a redemption's `at`) dated more
  than the allowed skew after its clock (`400 future_event`). Schemathesis draws
  `date-time` values from years 0000 to 9999, so most of its positive cases would be
  refused, rightly. Times are drawn here from the window the service takes: from
  1970-01-02 to a day before the run started, with any offset. The stateful phase also
  carries times from answers into requests (a coupon's `valid_until` into an event's
  `at`); an event's or redemption's `at` later than that window is moved back into it
  before the request is sent. Strings that are not date-times (negative cases) are
  drawn and sent as usual. A redemption is judged at the server's clock: from a key
  without `admin`, an `at` more than the skew before it is `400 past_redemption`, so for
  those runs (`SCHEMATHESIS_SCOPE`) a redemption's valid `at` is moved to a minute ago.
- JSON lines (`application/x-ndjson` on `POST /v1/events`): the document describes the
  body as a non-blank string. A generated string is sent as it is; a value of another
  type (a negative case) has no form as text on the wire, so such cases are left out.
"""

import datetime
import os

import schemathesis
from hypothesis import strategies as st

_START = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
_EARLIEST = datetime.datetime(1970, 1, 2)
_LATEST = _START - datetime.timedelta(days=1)

def _zone(minutes):
    return datetime.timezone(datetime.timedelta(minutes=minutes))


_offsets = st.integers(min_value=-(14 * 60), max_value=14 * 60).map(_zone)


def _rfc3339(moment, zone):
    text = moment.replace(tzinfo=datetime.timezone.utc).astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


schemathesis.openapi.format(
    "date-time",
    st.builds(_rfc3339, st.datetimes(min_value=_EARLIEST, max_value=_LATEST), _offsets),
)


def _moment(value):
    """The UTC moment a valid RFC 3339 string names, else None."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def _too_late(value):
    moment = _moment(value)
    return moment is not None and moment > _LATEST


@schemathesis.hook
def before_call(ctx, case, kwargs):
    if case.path not in ("/v1/decide", "/v1/redeem") or not isinstance(case.body, dict):
        return
    if _too_late(case.body.get("at")):
        case.body["at"] = _rfc3339(_LATEST, datetime.timezone.utc)
    if case.path == "/v1/redeem" and os.environ.get("SCHEMATHESIS_SCOPE") != "admin" and _moment(case.body.get("at")):
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        case.body["at"] = _rfc3339(now - datetime.timedelta(minutes=1), datetime.timezone.utc)


@schemathesis.hook
def filter_case(ctx, case):
    return not (case.media_type == "application/x-ndjson" and not isinstance(case.body, (str, bytes)))


@schemathesis.serializer("application/x-ndjson")
def _json_lines(ctx, value):
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")
