from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from core.views import healthz

admin.site.site_header = f"{settings.SITE_NAME} staff"
admin.site.site_title = f"{settings.SITE_NAME} staff"
admin.site.index_title = "Run articles, campaigns, signatures and pledges"

# A database outage outside a view is the 503 page too (core.views.server_error).
handler500 = "core.views.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/dashboard/", include("staff.urls")),
    path("admin/", admin.site.urls),
    path("take-action/", include("campaigns.urls")),
    path("pledges/", include("pledges.urls")),
    path("", include("articles.urls")),
]

if settings.DEBUG:
    # Development only: production serves uploads from shared storage, not the app server.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
