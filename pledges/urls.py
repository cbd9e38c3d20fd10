from django.urls import path

from core.pagecache import cached_page
from pledges import views, webhooks

app_name = "pledges"

# The pledge form page, kept whole in the shared cache for 5 s (core.pagecache): private, with
# each visitor's own CSRF token and form token put in. POSTs are never cached.
pledge_page = cached_page(
    timeout=5, public=False, query=("source", "utm_source", "utm_medium", "utm_campaign")
)

urlpatterns = [
    path("stripe/webhook/", webhooks.stripe_webhook, name="stripe-webhook"),
    path("thanks/<uuid:pledge_id>/", views.thanks, name="thanks"),
    path("<slug:campaign_slug>/", pledge_page(views.start), name="start"),
    path("<slug:campaign_slug>/received/", views.received, name="received"),
]
