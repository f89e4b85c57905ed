"""Pages of the scheduling app."""

urlpatterns: list = []
