from django.urls import path

from . import views

app_name = "index_review"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("pairs/<int:pair_id>", views.pair_detail, name="pair"),
    path("merges/<int:merge_id>/undo", views.undo_merge, name="undo_merge"),
    path("separations/<int:split_id>/undo", views.undo_split, name="undo_split"),
]
