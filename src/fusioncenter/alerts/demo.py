"""Clearly fictional demo data: an active AMBER Alert, a Silver Alert and a few thousand WCAN subscribers.

Idempotent: does nothing when the demo AMBER Alert exists. The alerts are issued before the
subscribers exist, so loading the demo does not queue thousands of notices.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import secrets
from typing import TextIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from fusioncenter.core import clock
from fusioncenter.core.models import County, User
from fusioncenter.core.roles import Role

from . import services
from .models import AlertProgram, AlertRequest, BusinessType, Stream, Subscriber

DEMO_NAME = "Avery Demo-Fictional"
SUBSCRIBERS = 3000


def _portrait(seed: int) -> SimpleUploadedFile:
    """A plain drawn placeholder 'photo' (no real person)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (300, 380), (215, 225, 235))
    draw = ImageDraw.Draw(img)
    shade = (90 + seed * 40, 80, 70)
    draw.ellipse((95, 60, 205, 180), fill=shade)
    draw.rectangle((70, 200, 230, 380), fill=(60, 90, 140))
    draw.text((12, 10), "FICTIONAL DEMO PHOTO", fill=(20, 20, 20))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return SimpleUploadedFile(f"demo-{seed}.png", out.getvalue(), content_type="image/png")


def load(stdout: TextIO) -> None:
    if AlertRequest.objects.filter(subject_name=DEMO_NAME).exists():
        stdout.write("    alerts demo already loaded\n")
        return
    officer = User.objects.filter(role=Role.PARTNER_OFFICER, sworn=True, is_active=True).order_by("id").first()
    coordinator = User.objects.filter(role=Role.ALERT_COORDINATOR, is_active=True).order_by("id").first()
    if officer is None or coordinator is None:
        stdout.write("    alerts demo skipped: the core demo's officer and alert coordinator are missing\n")
        return
    now = clock.now()
    dane, milwaukee = County.objects.get(name="Dane"), County.objects.get(name="Milwaukee")
    with transaction.atomic():
        amber = services.submit_request(
            officer,
            AlertProgram.objects.get(code="AMBER"),
            {
                "subject_name": DEMO_NAME,
                "subject_age": 8,
                "subject_sex": "Male",
                "subject_description": "4 ft 3 in, 65 lb, brown hair, green eyes (FICTIONAL DEMO)",
                "clothing": "Yellow raincoat, black sneakers",
                "suspect_name": "Morgan Sample-Fictional",
                "suspect_description": "Adult, about 40, grey hoodie (FICTIONAL DEMO)",
                "vehicle_description": "Blue 2012 minivan (FICTIONAL DEMO)",
                "vehicle_plate": "DEMO123",
                "last_seen_place": "Near a park in Madison",
                "last_seen_at": now - dt.timedelta(hours=1),
                "disappeared_at": now - dt.timedelta(hours=1),
                "last_seen_county": dane,
                "direction": "Eastbound",
                "circumstances": "This is a fictional demonstration alert.",
                "public_contact": "911",
                "abduction_believed": True,
                "danger_of_harm": True,
                "runaway_or_family_abduction": False,
                "ncic_entered": True,
                "investigative_notes": "Fictional demo notes: never published.",
                "requester_phone": "608-555-0142",
            },
            area_counties=County.objects.filter(name__in=["Dane", "Columbia", "Jefferson", "Rock", "Green"]),
            photo_upload=_portrait(1),
        )
        services.approve(coordinator, amber, expires_hours=24 * 7)
        silver = services.submit_request(
            officer,
            AlertProgram.objects.get(code="SILVER"),
            {
                "subject_name": "Robin Elder-Fictional",
                "subject_age": 79,
                "subject_sex": "Female",
                "subject_description": "5 ft 4 in, white hair, uses a cane (FICTIONAL DEMO)",
                "clothing": "Red cardigan",
                "vehicle_description": "Silver 2009 sedan (FICTIONAL DEMO)",
                "vehicle_plate": "DEMO789",
                "last_seen_place": "Grocery store, Milwaukee",
                "last_seen_at": now - dt.timedelta(hours=3),
                "disappeared_at": now - dt.timedelta(hours=3),
                "last_seen_county": milwaukee,
                "circumstances": "This is a fictional demonstration alert.",
                "public_contact": "911",
                "cognitive_impairment": True,
                "missing_due_to_condition": True,
                "ncic_entered": True,
                "medical_details": "Fictional demo medical details: never published.",
            },
            area_counties=County.objects.filter(center__code="STAC"),
            photo_upload=_portrait(2),
        )
        services.approve(coordinator, silver, expires_hours=24 * 7)
    created = _subscribers(SUBSCRIBERS)
    stdout.write(f"    alerts demo: an AMBER Alert, a Silver Alert, {created} fictional WCAN subscribers\n")


def _subscribers(count: int) -> int:
    """Bulk-created, already confirmed subscribers at reserved example addresses and 555-01xx numbers."""
    rng = random.Random(20260101)
    counties = list(County.objects.all())
    types = list(BusinessType.objects.all())
    general = BusinessType.objects.get(code="general_public")
    streams = list(Stream.objects.all())
    now = clock.now()
    with transaction.atomic():
        start = Subscriber.objects.count()
        rows = []
        for n in range(count):
            is_public = rng.random() < 0.6
            rows.append(
                Subscriber(
                    email=f"wcan-demo-{start + n}@demo.example",
                    phone=f"+1608555{rng.randint(100, 199):04d}" if rng.random() < 0.3 else "",
                    name=f"Demo Subscriber {start + n}",
                    business_name="" if is_public else f"Demo Business {start + n}",
                    business_type=general if is_public else rng.choice(types),
                    neighborhood_watch=rng.random() < 0.1,
                    statewide=rng.random() < 0.05,
                    token_nonce=secrets.token_hex(16),
                    created_at=now,
                    confirmed_at=now,
                )
            )
        made = Subscriber.objects.bulk_create(rows, batch_size=1000)
        if not made or made[0].pk is None:  # backends that do not return ids
            made = list(Subscriber.objects.filter(email__startswith="wcan-demo-").order_by("id"))
        county_links, stream_links = [], []
        for sub in made:
            for county in rng.sample(counties, rng.randint(1, 3)):
                county_links.append(Subscriber.counties.through(subscriber_id=sub.pk, county_id=county.pk))
            for stream in rng.sample(streams, rng.randint(1, len(streams))):
                stream_links.append(Subscriber.streams.through(subscriber_id=sub.pk, stream_id=stream.pk))
        Subscriber.counties.through.objects.bulk_create(county_links, batch_size=2000)
        Subscriber.streams.through.objects.bulk_create(stream_links, batch_size=2000)
    return len(made)
