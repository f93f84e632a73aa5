"""Requests Parley refuses before any view sees them."""

from django.shortcuts import render

from .visibility import ties_read_once


def _holds_nul(query_dict):
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query_dict.lists())


class RejectNulCharactersMiddleware:
    """A NUL character in the query string or in posted form fields answers 400, with a clear page.

    No text Parley keeps or searches may hold one (PostgreSQL refuses it), and no browser sends one
    from a form: a search, a filter of the admin or its autocomplete would otherwise fail with a
    server error. Forms refuse NUL themselves; this also covers every parameter read without a form.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _holds_nul(request.GET) or (request.method == "POST" and _holds_nul(request.POST)):
            return render(request, "400.html", {"nul_character": True}, status=400)
        return self.get_response(request)


class RuleTiesMiddleware:
    """Each user's ties (teams, assignments, invitations), which every confidentiality rule asks about, are
    read once per request (``core.visibility.ties_read_once``), not in a subquery of every query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with ties_read_once():
            return self.get_response(request)
