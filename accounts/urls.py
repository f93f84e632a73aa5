from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.account_list, name="account-list"),
    path("profile/", views.profile, name="profile"),
    path("new/", views.account_create, name="account-create"),
    path("<int:pk>/", views.account_detail, name="account-detail"),
    path("<int:pk>/access/", views.account_access, name="account-access"),
    path("<int:pk>/status/", views.account_status, name="account-status"),
    path("<int:pk>/second-factor/reset/", views.account_reset_second_factor, name="account-reset-second-factor"),
    path("<int:pk>/invitation/", views.account_invite, name="account-invite"),
]
