"""The site's URLs plus a view that fails, for the error-log tests."""

from django.urls import include, path


def fail(request):
    raise RuntimeError("a failure for the error log")


urlpatterns = [path("test-failure/", fail), path("", include("config.urls"))]
