from .visibility import is_admin, is_organisation_member


def navigation(request):
    """The signed-in user's role, for templates that vary by it. Which links to show: ``may``
    (dialogues.context_processors), which asks the target views' own checks."""
    user = getattr(request, "user", None)
    role = getattr(user, "role", None) if user is not None and user.is_authenticated else None
    return {
        "nav_role": role,
        "nav_is_organisation": is_organisation_member(user),
        "nav_is_admin": is_admin(user),
    }
