def navigation(request):
    """Which navigation entries the signed-in user's role has."""
    user = getattr(request, "user", None)
    role = getattr(user, "role", None) if user is not None and user.is_authenticated else None
    return {
        "nav_role": role,
        "nav_is_organisation": role in ("admin", "staff"),
        "nav_is_admin": role == "admin",
    }
