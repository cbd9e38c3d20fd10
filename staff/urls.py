from django.contrib import admin
from django.urls import path

from staff import views

app_name = "staff"

urlpatterns = [
    # admin_view: staff only, admin login for everyone else, never cached.
    path("", admin.site.admin_view(views.dashboard), name="dashboard"),
]
