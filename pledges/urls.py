from django.urls import path

from pledges import views, webhooks

app_name = "pledges"

urlpatterns = [
    path("stripe/webhook/", webhooks.stripe_webhook, name="stripe-webhook"),
    path("thanks/<uuid:pledge_id>/", views.thanks, name="thanks"),
    # The signed token rides in the query string (GET) and the form body (POST), never in the
    # path, which Django's request log and the access log record.
    path("monthly/manage/", views.manage, name="manage"),
    path("monthly/manage/portal/", views.manage_portal, name="manage-portal"),
    path("<slug:campaign_slug>/", views.start, name="start"),
]
