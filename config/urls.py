from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from core.views import dev_outbox, favicon, healthz
from staff import views as staff_views

admin.site.site_header = f"{settings.SITE_NAME} staff"
admin.site.site_title = f"{settings.SITE_NAME} staff"
admin.site.index_title = "Run articles, campaigns, signatures and gifts"

handler403 = "staff.views.permission_denied"
# A database outage outside a view is the 503 page too (core.views.server_error).
handler500 = "core.views.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    # Development only: the view answers 404 unless DEBUG is on.
    path("dev/outbox/", dev_outbox, name="dev-outbox"),
    path("admin/dashboard/", include("staff.urls")),
    # Staff password reset by email (the admin login page links to the first when it exists).
    path(
        "admin/password_reset/",
        staff_views.StaffPasswordResetView.as_view(),
        name="admin_password_reset",
    ),
    path(
        "admin/password_reset/done/",
        staff_views.StaffPasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "admin/reset/<uidb64>/<token>/",
        staff_views.StaffPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "admin/reset/done/",
        staff_views.StaffPasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    path("take-action/", include("campaigns.urls")),
    path("pledges/", include("pledges.urls")),
    path("", include("articles.urls")),
]

if settings.DEBUG:
    # Development only: production serves uploads from shared storage, not the app server.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
