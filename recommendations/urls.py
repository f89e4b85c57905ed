"""Pages of the recommendations app."""

urlpatterns: list = []
