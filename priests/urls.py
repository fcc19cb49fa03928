"""The priest portal: assignments, accept/decline/done, leave days."""

from django.urls import path

from priests import views

app_name = "priests"

urlpatterns = [
    path("", views.portal, name="portal"),
    path("bookings/<str:book_id>/accept/", views.accept, name="accept"),
    path("bookings/<str:book_id>/decline/", views.decline, name="decline"),
    path("bookings/<str:book_id>/done/", views.done, name="done"),
    path(
        "bookings/<str:book_id>/items/<int:item_id>/video-link/",
        views.video_link,
        name="video-link",
    ),
    path("leave/", views.leave, name="leave"),
    path("leave/remove/", views.leave_remove, name="leave-remove"),
]
