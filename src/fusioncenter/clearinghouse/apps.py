from django.apps import AppConfig


class ClearinghouseConfig(AppConfig):
    name = "fusioncenter.clearinghouse"
    label = "clearinghouse"
    verbose_name = "Missing persons clearinghouse"
