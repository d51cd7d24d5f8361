from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "fusioncenter.products"
    label = "products"
    verbose_name = "Intelligence products"
