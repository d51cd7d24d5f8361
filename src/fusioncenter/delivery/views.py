"""The signed-in user's portal inbox. Thin: the services do the work and the audit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from fusioncenter.core.requestinfo import source_address

from . import links, services
from .models import PortalNotice


def inbox_panel(user) -> dict | None:
    """Home-page panel: unread notices for every signed-in user."""
    if not getattr(user, "is_authenticated", False):
        return None
    unread = services.unread_count(user)
    return {
        "title": "Inbox",
        "items": [{"label": "Unread notices", "value": unread, "url": reverse("delivery:inbox")}],
        "links": [{"label": "Open your inbox", "url": reverse("delivery:inbox")}],
    }


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    notices = services.inbox(request.user)
    if request.GET.get("show") == "unread":
        notices = notices.filter(read_at__isnull=True)
    page = Paginator(notices, 25).get_page(request.GET.get("page"))
    return render(request, "delivery/inbox.html", {
        "page": page, "unread": services.unread_count(request.user),
        "only_unread": request.GET.get("show") == "unread",
    })


@login_required
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    """Opening a notice is reading it: the read receipt is recorded on first view."""
    try:
        item = services.mark_read(request.user, pk, source_address(request))
    except PortalNotice.DoesNotExist:
        raise Http404("No such notice in your inbox.")
    return render(request, "delivery/notice.html", {"notice": item})


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.mark_read(request.user, pk, source_address(request))
    except PortalNotice.DoesNotExist:
        raise Http404("No such notice in your inbox.")
    messages.success(request, "Marked as read.")
    return redirect("delivery:inbox")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    n = services.mark_all_read(request.user, source_address(request))
    messages.success(request, f"{n} notice{'s' if n != 1 else ''} marked as read.")
    return redirect("delivery:inbox")


@login_required
def personal_link(request: HttpRequest, token: str) -> HttpResponse:
    """An e-mail recipient's own link: the first use is the read receipt, then on to the record.

    Someone else's link, a forged one and an expired one all answer the same 404.
    """
    try:
        target = links.open_link(request.user, token, source_address(request))
    except links.InvalidLink:
        raise Http404("No such link.")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        target = reverse("delivery:inbox")
    return redirect(target)
