from django.urls import path

from pledges import views, webhooks

app_name = "pledges"

urlpatterns = [
    path("stripe/webhook/", webhooks.stripe_webhook, name="stripe-webhook"),
    path("thanks/<uuid:pledge_id>/", views.thanks, name="thanks"),
    path("<slug:campaign_slug>/", views.start, name="start"),
    path("<slug:campaign_slug>/received/", views.received, name="received"),
]
