"""The service navigation: each person sees the parts of joinedup they may use, decided by the
access policy, so templates never check roles."""

from django.urls import reverse

from joinedup.access.policy import Action, decide, practitioner_of
from joinedup.casework.queries import family_account_of, unread_count

# (url name, label, the action that opens it, or None for all staff)
SECTIONS = [
    ("web:home", "Home", None),
    ("web:child_search", "Find a child", Action.SEARCH_CHILDREN),
    ("casework:find_child_to_refer", "Refer a child", Action.REFER),
    ("casework:my_cases", "Cases", Action.REFER),
    ("casework:panels", "Panels", Action.MANAGE_PANELS),
    ("index_review:queue", "Index review", Action.REVIEW_INDEX_LINKS),
    ("evidence:impact", "Evidence", Action.VIEW_IMPACT_MODEL),
    ("selfeval:home", "Self-evaluation", Action.VIEW_SELFEVAL_REPORTS),
    ("jobs:list", "Imports and jobs", Action.RUN_JOBS),
]


def navigation(request) -> dict:
    """A Jinja2 context processor."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    current = request.resolver_match.view_name if request.resolver_match else ""
    # Staff first, as the home page decides: asking every staff page for a family account cost a query.
    if practitioner_of(user) is None and family_account_of(user) is not None:
        return {"navigation": [{"href": reverse("casework:family"), "text": "Your plan", "active": True}]}
    items = []
    for name, label, action in SECTIONS:
        if action is None or decide(user, action).allowed:
            same_section = name != "web:home" and current.split(":")[0] == name.split(":")[0]
            items.append({"href": reverse(name), "text": label, "active": current == name or same_section})
    unread = unread_count(user)
    items.append(
        {
            "href": reverse("casework:notifications"),
            "text": f"Notifications ({unread} new)" if unread else "Notifications",
            "active": current == "casework:notifications",
        }
    )
    return {"navigation": items}
