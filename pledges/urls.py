from django.urls import path

from core.forms import TRACKING_FIELDS
from core.pagecache import cached_page
from pledges import views, webhooks

app_name = "pledges"

# The pledge form page, kept whole in the shared cache for 5 s (core.pagecache): private, with
# each visitor's own CSRF token and form token put in. POSTs are never cached.
pledge_page = cached_page(timeout=5, public=False, query=TRACKING_FIELDS)

urlpatterns = [
    path("stripe/webhook/", webhooks.stripe_webhook, name="stripe-webhook"),
    path("thanks/<uuid:pledge_id>/", views.thanks, name="thanks"),
    # The signed token rides in the query string (GET) and the form body (POST), never in the
    # path, which Django's request log and the access log record.
    path("monthly/manage/", views.manage, name="manage"),
    path("monthly/manage/portal/", views.manage_portal, name="manage-portal"),
    path("<slug:campaign_slug>/", pledge_page(views.start), name="start"),
    path("<slug:campaign_slug>/received/", views.received, name="received"),
]
