from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from core.admin import view_on_site

admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Parley"

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    # Before the admin's own: its "view on site" redirect looks records up without visible_to.
    path("admin/r/<path:content_type_id>/<path:object_id>/", admin.site.admin_view(view_on_site)),
    path("admin/", admin.site.urls),
    # Choosing a language needs no sign-in: the sign-in page and the RSVP page offer it to anyone. Nor a CSRF
    # token check: the signed-link pages (RSVP, action done) send no referrer, so browsers post their forms
    # with "Origin: null", which Django's check refuses; a forged choice of language changes nothing but
    # the language, so the check guards nothing here.
    path("i18n/setlang/", csrf_exempt(login_not_required(set_language)), name="set_language"),
    path("", include("core.urls")),  # the access log (audit/), type-ahead options (choices/)
    # Admins' account pages; allauth's own sign-in pages are under accounts/.
    path("user-accounts/", include("accounts.urls")),
    path("participants/", include("participants.urls")),
    path("", include("dashboard.urls")),
    path("", include("facilitators.urls")),
    path("", include("dialogues.urls")),
]
