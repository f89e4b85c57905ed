"""The server-rendered pages (the API lives under /api/v1/)."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from cases.account_views import invitation_accept

from . import views
from .auth import LoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=LoginForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("my/summaries/", views.my_summaries, name="my-summaries"),
    path("join/<str:token>/", invitation_accept, name="patient-invitation-accept"),
    path("cases/", include("cases.urls")),
    path("", include("scheduling.urls")),
    path("", include("recommendations.urls")),
    path("", include("audit.urls")),
]
