"""``may``: which pages the signed-in user may follow a link to, for the navigation, breadcrumbs and
cross-links of every template.

Each answer is the selector the target view itself asks, so that no page shows a link, menu entry or
breadcrumb leading to a 403 or a 404 ("no link to a wall"). Answers are computed when a template first
asks for them, once per request.
"""

from django.contrib import admin
from django.utils.functional import cached_property

from accounts import selectors as account_selectors
from core.views import outbox_can_read
from core.visibility import is_admin
from participants import selectors as participant_selectors
from participants.sanctions import sees_sanctions
from participants.vetting_selectors import vetting_can_work

from . import selectors


class Links:
    def __init__(self, request):
        self.request = request
        self.user = getattr(request, "user", None)

    @cached_property
    def list_initiatives(self):
        return selectors.initiative_can_list(self.user)

    @cached_property
    def list_workshops(self):
        return selectors.workshop_can_list(self.user)

    @cached_property
    def open_facilitation(self):
        return selectors.facilitation_can_open(self.user)  # facilitators.workspace_views.workspace

    @cached_property
    def list_participants(self):
        return participant_selectors.participant_can_work_on(self.user)

    @cached_property
    def work_on_vetting(self):
        return vetting_can_work(self.user)  # participants.vetting_views

    @cached_property
    def work_on_sanctions(self):
        return sees_sanctions(self.user)  # participants.sanctions_views

    @cached_property
    def list_organisations(self):
        return participant_selectors.organization_can_work_on(self.user)

    @cached_property
    def see_organisations(self):
        return participant_selectors.organization_can_see(self.user)

    @cached_property
    def read_access_log(self):
        return is_admin(self.user)  # core.views.access_log

    @cached_property
    def read_outbox(self):
        return outbox_can_read(self.user)  # core.views.outbox_page

    @cached_property
    def manage_accounts(self):
        return account_selectors.account_can_manage(self.user)

    @cached_property
    def use_admin_site(self):
        return self.user is not None and admin.site.has_permission(self.request)


def links(request):
    return {"may": Links(request)}
