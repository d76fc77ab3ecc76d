from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from apps.core.views import healthz

admin.site.site_header = "Allied Positions — editors"
admin.site.site_title = "Allied Positions"
admin.site.index_title = "Editorial data"

# A database failure raised outside a view (in a middleware) is a 503 too, not a 500.
handler500 = "apps.core.outages.server_error"

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),
    path("healthz/", healthz, name="healthz"),
    path("accounts/", include("apps.accounts.urls")),
    path("api/", include("apps.api.urls")),
    path("", include("apps.dashboard.urls")),
]
