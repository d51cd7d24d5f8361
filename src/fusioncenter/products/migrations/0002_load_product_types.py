"""Load the shipped product types (data/product_types.json)."""

from django.db import migrations


def load(apps, schema_editor):
    from fusioncenter.products.reference import load_product_types

    load_product_types(apps.get_model("products", "ProductType"))


class Migration(migrations.Migration):
    dependencies = [("products", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
