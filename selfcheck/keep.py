"""Keeping the plan with nothing stored on the site: a link whose contents live only in the #fragment,
and a plain-text file. Pure functions of a result; see docs/decisions/0009-selfcheck-back-and-keep.md.

The fragment is NOT encryption and says so on the page: it is base64url of a short text naming the
questionnaire version, the plan's steps (by their position in `actions:`) and whether the result said
"today". Browsers never send a fragment to the server, and base64 keeps the plan unreadable at a glance
in an address bar or a history list. It carries no answers.
"""

from __future__ import annotations

import base64
import binascii

from django.conf import settings
from django.utils.http import urlencode

from selfcheck.questionnaire import Action, Questionnaire
from selfcheck.scoring import Result

FRAGMENT_MAX = 200


def plan_fragment(*, result: Result, questionnaire: Questionnaire) -> str:
    """The fragment (without '#') for the kept link: base64url of "<version>~<i.j.k>~<flags>"."""
    keys = list(questionnaire.actions)
    indices = ".".join(str(keys.index(action.key)) for action in result.suggested_actions)
    flags = ("t" if result.urgent else "") + ("s" if result.suicide_only else "")
    raw = f"{questionnaire.version}~{indices}~{flags}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def plan_fragment_read(*, fragment: str, questionnaire: Questionnaire) -> tuple[list[Action], bool] | None:
    """The plan steps and the "today" flag from a fragment, or None if it is not one of ours.

    The page decodes it in JavaScript (static/js/selfcheck-keep.js, same format); this is the reference
    implementation that the tests hold the script to."""
    if not fragment or len(fragment) > FRAGMENT_MAX:
        return None
    try:
        raw = base64.urlsafe_b64decode(fragment + "=" * (-len(fragment) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    parts = raw.split("~")
    if len(parts) != 3 or parts[0] != str(questionnaire.version):
        return None
    actions = list(questionnaire.actions.values())
    chosen = []
    for item in parts[1].split(".") if parts[1] else []:
        if not item.isdigit() or int(item) >= len(actions) or actions[int(item)] in chosen:
            return None
        chosen.append(actions[int(item)])
    if set(parts[2]) - {"t", "s"}:
        return None
    return chosen, "t" in parts[2]


def _action_lines(action: Action) -> list[str]:
    lines = [action.label, f"   {action.text}"]
    if action.call:
        lines.append(f"   Call {action.call.in_text} on {action.call.number}. {action.call.cost}".rstrip())
    for contact in action.contacts:
        lines.append(f"   Or call {contact.in_text} on {contact.number}. {contact.cost}".rstrip())
    if action.search:
        query = urlencode({"q": action.search})
        lines.append(f"   Search near you: {settings.SITE_URL}/services/?{query}&near=(your postcode)")
    if action.link.startswith("/"):
        lines.append(f"   Read: {settings.SITE_URL}{action.link}")
    return lines


def plan_text(*, result: Result, questionnaire: Questionnaire) -> str:
    """The plan as plain text for the download. The first line is neutral; the rest is plain words."""
    q = questionnaire
    out = ["Notes", ""]
    if result.next_step:
        first = result.next_step.contacts[0]
        out += [result.next_step.heading, result.next_step.text,
                f"Call {first.in_text} on {first.number}. {first.cost}".rstrip()]  # fmt: skip
        if result.urgent and q.next_step:
            out.append(q.next_step.emergency)
        out.append("")
    out.append("My plan")
    for number, action in enumerate(result.suggested_actions, start=1):
        label, *rest = _action_lines(action)
        out += [f"{number}. {label}", *rest]
    out += ["", q.always_show_title]
    for contact in q.always_show_contacts:
        out.append(
            " ".join(
                part for part in (f"- {contact.name}: {contact.number}.", contact.when, contact.cost) if part
            )
        )
    plan = q.timeout_plan
    out += ["", plan.title, plan.intro]
    if result.has_order and plan.order_warning:
        out.append(plan.order_warning)
    elif plan.warning:
        out.append(plan.warning)
    for number, step in enumerate(plan.steps, start=1):
        note = f" ({step.order_note})" if step.order_note else ""
        text = step.order_text if result.has_order and step.order_text else step.text
        out.append(f"{number}. {step.title}. {text}{note}")
    if q.keep:
        out += ["", *q.keep.where]
    return "\n".join(out) + "\n"
