"""Published intelligence products as a mention and search source (products/indexing.py).

Products go through the real review and publication services; indexing runs in the task the save
enqueues on commit (the immediate backend under test), so these tests see what a worker would do.
"""

from __future__ import annotations

import pytest

from fusioncenter.entities import links, search
from fusioncenter.entities.models import Mention, SearchDocument
from tests.products import conftest as product_fixtures
from tests.products.conftest import organization_terms

# the products tests' people and publication helpers, shared rather than written twice
people, approved, published = product_fixtures.people, product_fixtures.approved, product_fixtures.published

pytestmark = pytest.mark.django_db

LABEL = "products.product"
SUBJECT = """Subjects seen at both sites:

- **Name:** Dale Ortiz
- **DOB:** 1984-03-07
- Sex: male
- Plate: WI DFL-4471
- Phone: (608) 555-0147

Call 608-555-0123 with any sighting."""


def bulletin(details: str = SUBJECT, tlp: str = "AMBER") -> dict:
    return {"title": "Copper theft ring targets rail signal cabinets", "tlp": tlp, "record_class": "law_enforcement",
            "les": True, "sections": {"summary": "Thieves cut copper from rail signal cabinets.",
                                      "details": details}}


@pytest.fixture
def publish(published, django_capture_on_commit_callbacks):
    def make(**kw):
        with django_capture_on_commit_callbacks(execute=True):
            return published(**kw)

    return make


def mentions_of(product):
    return Mention.objects.filter(source_type=LABEL, source_id=str(product.pk))


def test_a_published_product_names_its_subjects_with_provenance(publish):
    product = publish(data=bulletin())
    by_field = {(m.entity_type, m.field): m for m in mentions_of(product)}
    person = by_field[("person", "details.subject")]
    assert person.entity.display.lower().startswith("dale")
    assert person.attributes.get("dob") == "1984-03-07"
    assert by_field[("vehicle", "details.plate")].normalized == "DFL4471"
    assert by_field[("phone", "details.phone")].normalized == "+16085550147"
    assert by_field[("phone", "details.text")].normalized == "+16085550123"
    assert mentions_of(product).filter(normalized="+16085550147").count() == 1, "labelled and in prose: once"
    assert person.observed_at == product.published_at
    # the record's entities are linked to each other, with the product as the link's source
    vehicle = by_field[("vehicle", "details.plate")].entity
    assert any(vehicle.pk in pair for pair in links.of_record(LABEL, product.pk))
    doc = SearchDocument.objects.get(source_type=LABEL, source_id=str(product.pk))
    assert product.number in doc.title and "dfl4471" in doc.keys.lower()


def test_drafts_are_not_indexed_and_contact_sections_are_skipped(people, django_capture_on_commit_callbacks):
    from fusioncenter.products import services

    data = {"title": "BOLO: stolen pickup", "tlp": "GREEN", "record_class": "law_enforcement", "les": False,
            "sections": {"subject": "Plate: WI KPX-2210", "reason": "Stolen at gunpoint.",
                         "contact": "Phone: (608) 555-0100\nE-mail: desk@wsic.example.test"},
            "audience": organization_terms(people["madison"])}
    with django_capture_on_commit_callbacks(execute=True):
        draft = services.create(people["analyst"], "bolo", data)
    assert not mentions_of(draft).exists()
    assert not SearchDocument.objects.filter(source_type=LABEL, source_id=str(draft.pk)).exists()

    from fusioncenter.products import indexing

    draft.status = "published"  # what extraction would read once it is released
    found = {(m.type, m.value) for m in indexing.mentions(draft)}
    assert ("vehicle", "WI KPX-2210") in found
    assert not any(t in ("phone", "email") for t, _ in found), "the center's own contact desk is not a subject"


def test_a_correction_reindexes_and_a_withdrawal_removes(publish, people, django_capture_on_commit_callbacks):
    from fusioncenter.products import distribution

    product = publish(data=bulletin())
    assert mentions_of(product).filter(normalized="DFL4471").exists()
    with django_capture_on_commit_callbacks(execute=True):
        product = distribution.correct(people["analyst"], product,
                                       {"details": SUBJECT.replace("DFL-4471", "DFL-4477")}, "Plate misread.")
    assert mentions_of(product).filter(normalized="DFL4477").exists()
    assert not mentions_of(product).filter(normalized="DFL4471").exists()
    assert "dfl4477" in SearchDocument.objects.get(source_type=LABEL, source_id=str(product.pk)).keys.lower()

    with django_capture_on_commit_callbacks(execute=True):
        distribution.withdraw(people["analyst"], product, "Superseded by a new bulletin.")
    assert not mentions_of(product).exists()
    assert not SearchDocument.objects.filter(source_type=LABEL, source_id=str(product.pk)).exists()
    hits, total = search.search(people["analyst"], "DFL 4477")
    assert total == 0


def test_a_product_outside_the_readers_audience_never_surfaces(publish, people, make_dossier, client, signed_in):
    """The audience (Madison) sees the product through the entity page and search; Racine does not,
    even when a record Racine may see names the same plate."""
    from fusioncenter.core.markings import TLP
    from fusioncenter.entities import services

    product = publish(data=bulletin(tlp="AMBER"))
    own = make_dossier("plate=WI DFL 4471", user=people["outsider"], tlp=TLP.AMBER)
    services.index_record(own)
    search.index_record(own)
    vehicle = mentions_of(product).get(entity_type="vehicle").entity
    assert Mention.objects.filter(source_type="access_app.dossier", entity=vehicle).exists()

    officer = signed_in(client, people["officer"])
    html = officer.get(f"/entities/{vehicle.pk}/").content.decode()
    assert f"Product {product.number}" in html
    hits, _ = search.search(people["officer"], "DFL-4471")
    assert LABEL in {h.document.source_type for h in hits}

    client.logout()
    outsider = signed_in(client, people["outsider"])
    html = outsider.get(f"/entities/{vehicle.pk}/").content.decode()
    assert f"Dossier {own.pk}" in html
    assert product.number not in html and "Dale" not in html
    person = mentions_of(product).get(entity_type="person").entity
    assert outsider.get(f"/entities/{person.pk}/").status_code == 404
    hits, _ = search.search(people["outsider"], "DFL-4471")
    assert [h.document.source_type for h in hits] == ["access_app.dossier"]
    csv_rows = outsider.get(f"/entities/{vehicle.pk}/?format=csv").content.decode().splitlines()
    assert len(csv_rows) == 1, "no link the outsider could not read in their own records"


def test_a_deleted_product_leaves_no_copy(publish):
    from fusioncenter.products.models import Dissemination, Product

    product = publish(data=bulletin())
    pk = str(product.pk)
    assert mentions_of(product).exists()
    Dissemination.objects.filter(product=product).delete()
    Product.objects.filter(pk=product.pk).delete()
    assert not Mention.objects.filter(source_type=LABEL, source_id=pk).exists()
    assert not SearchDocument.objects.filter(source_type=LABEL, source_id=pk).exists()


def test_a_purged_product_leaves_no_copy_in_the_index(publish, people):
    from fusioncenter.privacy.retention import purge_record

    product = publish(data=bulletin())
    pk = str(product.pk)
    assert mentions_of(product).exists()
    purge_record(people["privacy"], product, reason="Retention period ended.")
    assert not Mention.objects.filter(source_type=LABEL, source_id=pk).exists()
    assert not SearchDocument.objects.filter(source_type=LABEL, source_id=pk).exists()
    hits, _ = search.search(people["analyst"], "DFL 4471")
    assert not hits
