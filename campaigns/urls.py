from django.urls import path

from campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("", views.CampaignListView.as_view(), name="list"),
    path("confirm/<str:token>/", views.signature_confirm, name="confirm"),
    path("preview/<int:pk>/", views.CampaignPreviewView.as_view(), name="preview"),
    path("<slug:slug>/", views.CampaignDetailView.as_view(), name="detail"),
    path("<slug:slug>/sign/", views.signature_sign, name="sign"),
    path("<slug:slug>/thanks/", views.signature_thanks, name="thanks"),
]
