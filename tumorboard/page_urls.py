"""The server-rendered pages (the API lives under /api/v1/)."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from cases.account_views import invitation_accept

from . import account_pages, views
from .auth import LoginForm
from .two_factor import two_factor_exempt

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        two_factor_exempt(
            auth_views.LoginView.as_view(
                redirect_authenticated_user=True, authentication_form=LoginForm
            )
        ),
        name="login",
    ),
    path("logout/", two_factor_exempt(auth_views.LogoutView.as_view()), name="logout"),
    path("account/password/", account_pages.PasswordChange.as_view(), name="password-change"),
    path(
        "account/password/reset/",
        two_factor_exempt(account_pages.PasswordReset.as_view()),
        name="password-reset",
    ),
    path(
        "account/password/reset/sent/",
        two_factor_exempt(account_pages.PasswordResetDone.as_view()),
        name="password-reset-done",
    ),
    path(
        "account/password/reset/<uidb64>/<token>/",
        two_factor_exempt(account_pages.PasswordResetConfirm.as_view()),
        name="password-reset-confirm",
    ),
    path(
        "account/password/reset/done/",
        two_factor_exempt(account_pages.PasswordResetComplete.as_view()),
        name="password-reset-complete",
    ),
    path("account/two-factor/", account_pages.two_factor_verify, name="two-factor"),
    path("account/two-factor/setup/", account_pages.two_factor_setup, name="two-factor-setup"),
    path("my/summaries/", views.my_summaries, name="my-summaries"),
    path("join/<str:token>/", invitation_accept, name="patient-invitation-accept"),
    path("cases/", include("cases.urls")),
    path("", include("scheduling.urls")),
    path("", include("recommendations.urls")),
    path("", include("audit.urls")),
]
