"""What to say when a form sends more fields than Starlette reads (1,000), per page.

Starlette refuses such a form before any route runs, with a bare "Too many fields. Maximum
number of fields is 1000." A page whose form can grow that large (the people table's ticks)
registers what to do instead; the error handler shows it in the site's layout with a link
back (outside test F14).
"""

from __future__ import annotations

from dataclasses import dataclass

STARLETTE_SAYS = "Too many fields"
GENERAL = (
    "This form sent more than 1,000 fields, more than the site reads at once, so nothing "
    "was changed. Send it again with fewer items chosen."
)


@dataclass(frozen=True)
class Advice:
    title: str
    message: str
    back_href: str
    back_label: str


_ADVICE: dict[str, Advice] = {}


def advise(path: str, advice: Advice) -> None:
    """What a form posted to `path` should be told when it sends too many fields."""
    _ADVICE[path] = advice


def advice_for(path: str, detail: object) -> Advice | None:
    """The advice for a refused form, or None when `detail` is another 400."""
    if not (isinstance(detail, str) and detail.startswith(STARLETTE_SAYS)):
        return None
    return _ADVICE.get(path) or Advice("Too many fields", GENERAL, "/", "Back to my course")
