app_name = "checkout"

urlpatterns = []
