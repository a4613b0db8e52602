from django.urls import path

from . import views

urlpatterns = [
    path("background/", views.DeadLettersView.as_view(), name="dead_letters"),
    path("background/<int:pk>/run-again/", views.DeadLetterRunAgainView.as_view(), name="dead_letter_run_again"),
]
