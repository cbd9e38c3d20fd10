from django.urls import path

from campaigns import views
from core.forms import TRACKING_FIELDS
from core.pagecache import cached_page

app_name = "campaigns"

# Kept whole in the shared cache (core.pagecache). The list is public for a minute; the
# campaign page holds the sign form, so it stays private and each visitor gets their own CSRF
# token, and its counts are at most 5 s old.
campaign_list = cached_page(timeout=60, query=("topic", "page"))
campaign_page = cached_page(timeout=5, public=False, query=(*TRACKING_FIELDS, "pledge"))

urlpatterns = [
    path("", campaign_list(views.CampaignListView.as_view()), name="list"),
    path("confirm/<str:token>/", views.signature_confirm, name="confirm"),
    path("preview/<int:pk>/", views.CampaignPreviewView.as_view(), name="preview"),
    path("<slug:slug>/", campaign_page(views.CampaignDetailView.as_view()), name="detail"),
    path("<slug:slug>/sign/", views.signature_sign, name="sign"),
    path("<slug:slug>/thanks/", views.signature_thanks, name="thanks"),
]
