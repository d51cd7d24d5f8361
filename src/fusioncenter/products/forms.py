"""Forms for products. They parse and label; the rules live in `services`, whose ValidationErrors are
put back on the fields with `put_errors`."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from fusioncenter.core.markings import TLP, RecordClass
from fusioncenter.core.models import Center, County, Organization, Region
from fusioncenter.core.roles import Discipline, Role

from .models import AudienceKind, FeedSubscription, Product, ProductType
from .services import FEEDBACK_ACTIONS


def put_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            target = name if name in form.fields else None
            for e in errors:
                form.add_error(target, " ".join(e.messages))
    else:
        form.add_error(None, " ".join(exc.messages))


class AudienceMixin(forms.Form):
    """Audience terms as fields; `audience_terms()` turns them into (kind, value) pairs."""

    aud_center = forms.MultipleChoiceField(label="Everyone in a center's area", required=False,
                                           widget=forms.CheckboxSelectMultiple)
    aud_discipline = forms.MultipleChoiceField(label="Disciplines", required=False, choices=Discipline.choices,
                                               widget=forms.CheckboxSelectMultiple)
    aud_role = forms.MultipleChoiceField(label="Roles", required=False, choices=Role.choices,
                                         widget=forms.CheckboxSelectMultiple)
    aud_liaison = forms.BooleanField(label="Liaison officer network (TLO/FLO)", required=False)
    aud_region = forms.MultipleChoiceField(label="Regions", required=False,
                                           help_text="Hold Ctrl (Cmd on a Mac) to choose several.")
    aud_county = forms.MultipleChoiceField(label="Counties", required=False,
                                           help_text="Hold Ctrl (Cmd on a Mac) to choose several.")
    aud_organization = forms.MultipleChoiceField(label="Organizations", required=False,
                                                 help_text="Hold Ctrl (Cmd on a Mac) to choose several.")
    aud_users = forms.CharField(label="Named people (user names, separated by commas)", required=False,
                                max_length=2000, help_text="Required for TLP:RED, which goes to named people only.")

    AUDIENCE_FIELDS = ("aud_center", "aud_discipline", "aud_role", "aud_liaison", "aud_region", "aud_county",
                       "aud_organization", "aud_users")

    def _init_audience(self) -> None:
        self.fields["aud_center"].choices = [(c.code, f"{c.name} ({c.code})") for c in Center.objects.all()]
        self.fields["aud_region"].choices = [(str(r.pk), r.name) for r in Region.objects.all()]
        self.fields["aud_county"].choices = [(c.fips, c.name) for c in County.objects.all()]
        self.fields["aud_organization"].choices = [(str(o.pk), o.name)
                                                   for o in Organization.objects.filter(active=True)]

    def clean_aud_users(self) -> list[str]:
        names = [n.strip() for n in (self.cleaned_data.get("aud_users") or "").split(",") if n.strip()]
        found = dict(get_user_model().objects.filter(username__in=names, is_active=True)
                     .values_list("username", "pk"))
        missing = [n for n in names if n not in found]
        if missing:
            raise ValidationError(f"No active user named {missing[0]!r}.")
        return [str(found[n]) for n in names]

    def audience_terms(self) -> list[tuple[str, str]]:
        d = self.cleaned_data
        terms: list[tuple[str, str]] = []
        for kind, name in ((AudienceKind.CENTER, "aud_center"), (AudienceKind.DISCIPLINE, "aud_discipline"),
                           (AudienceKind.ROLE, "aud_role"), (AudienceKind.REGION, "aud_region"),
                           (AudienceKind.COUNTY, "aud_county"), (AudienceKind.ORGANIZATION, "aud_organization"),
                           (AudienceKind.USER, "aud_users")):
            terms += [(kind, v) for v in d.get(name) or []]
        if d.get("aud_liaison"):
            terms.append((AudienceKind.LIAISON, "liaison_officer"))
        return terms

    @staticmethod
    def initial_from(terms: list[tuple[str, str]]) -> dict:
        names = {AudienceKind.CENTER: "aud_center", AudienceKind.DISCIPLINE: "aud_discipline",
                 AudienceKind.ROLE: "aud_role", AudienceKind.REGION: "aud_region",
                 AudienceKind.COUNTY: "aud_county", AudienceKind.ORGANIZATION: "aud_organization"}
        initial: dict = {}
        users = []
        for kind, value in terms:
            if kind == AudienceKind.LIAISON:
                initial["aud_liaison"] = True
            elif kind == AudienceKind.USER:
                users.append(value)
            else:
                initial.setdefault(names[kind], []).append(value)
        if users:
            initial["aud_users"] = ", ".join(get_user_model().objects.filter(pk__in=users)
                                             .values_list("username", flat=True))
        return initial


class ProductForm(AudienceMixin):
    """The full authoring form: markings, the type's sections (Markdown), audience."""

    title = forms.CharField(label="Title", max_length=200)
    tlp = forms.ChoiceField(label="TLP", choices=TLP.choices,
                            help_text="TLP:RED named people only · AMBER+STRICT their organization · AMBER "
                                      "their organization and partners · GREEN the community · CLEAR anyone.")
    record_class = forms.ChoiceField(label="Record class", choices=RecordClass.choices)
    les = forms.BooleanField(label="Law Enforcement Sensitive (LES)", required=False)
    cui = forms.CharField(label="CUI banner (optional)", required=False, max_length=120,
                          help_text="e.g. CUI or CUI//SP-INV; leave empty when the product holds no CUI.")
    names_person = forms.BooleanField(label="This product names or identifies a person", required=False,
                                      help_text="Sends it to privacy review before release.")

    def __init__(self, ptype: ProductType, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ptype = ptype
        self._init_audience()
        if not self.is_bound and not self.initial.get("tlp"):
            self.initial.update(tlp=ptype.default_tlp, record_class=ptype.default_record_class, les=ptype.default_les)
        for spec in ptype.sections:
            key = spec["key"]
            self.fields[f"section_{key}"] = forms.CharField(
                label=spec["title"], required=False, max_length=50_000, help_text=spec.get("hint", "")
                + (" Required before review." if spec.get("required") else "") + " Markdown is allowed.",
                widget=forms.Textarea(attrs={"rows": 6, "class": "usa-textarea"}))
            self.fields[f"mark_{key}"] = forms.CharField(
                label=f"Portion mark for {spec['title']}", required=False, max_length=60,
                help_text="Leave empty for the default from the markings, e.g. (U//LES).")

    def section_pairs(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"section_{s['key']}"], self[f"mark_{s['key']}"]) for s in self.ptype.sections]

    def as_service_input(self) -> dict:
        d = self.cleaned_data
        return {
            "title": d["title"], "tlp": d["tlp"], "record_class": d["record_class"], "les": d["les"],
            "cui": d["cui"], "names_person": d["names_person"],
            "sections": {s["key"]: d.get(f"section_{s['key']}", "") for s in self.ptype.sections},
            "portion_marks": {s["key"]: d.get(f"mark_{s['key']}", "") for s in self.ptype.sections},
            "audience": self.audience_terms(),
        }

    @classmethod
    def initial_for(cls, product: Product, terms: list[tuple[str, str]]) -> dict:
        initial = {"title": product.title, "tlp": product.tlp, "record_class": product.record_class,
                   "les": product.les, "cui": product.cui, "names_person": product.names_person}
        for s in product.sections.all():
            initial[f"section_{s.key}"] = s.body
            initial[f"mark_{s.key}"] = s.portion_marking
        initial.update(cls.initial_from(terms))
        return initial


class QuickReportForm(forms.Form):
    """The situational awareness report in a hurry: two required fields, everything else defaulted."""

    title = forms.CharField(label="Headline", max_length=200, help_text="e.g. Water main break closes I-94 "
                                                                           "eastbound at Exit 305")
    what = forms.CharField(label="What happened", max_length=20_000, widget=forms.Textarea(
        attrs={"rows": 6, "class": "usa-textarea"}), help_text="Facts only: what, where, when, who responded.")
    audience = forms.ChoiceField(label="Send to", choices=[], help_text="Default: every partner in your "
                                                                        "center's area.")
    tlp = forms.ChoiceField(label="TLP", choices=[(TLP.GREEN, "TLP:GREEN"), (TLP.CLEAR, "TLP:CLEAR"),
                                                  (TLP.AMBER, "TLP:AMBER")], initial=TLP.GREEN)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        centers = list(Center.objects.all())
        mine = getattr(user, "center", None)
        ordered = sorted(centers, key=lambda c: (c != mine, c.code))
        self.fields["audience"].choices = [(f"center:{c.code}", f"Everyone in the {c.name} area") for c in ordered] \
            + [(f"discipline:{d}", f"Statewide: {label}") for d, label in Discipline.choices]

    def audience_terms(self) -> list[tuple[str, str]]:
        kind, value = self.cleaned_data["audience"].split(":", 1)
        return [(kind, value)]


class ReviewForm(forms.Form):
    comment = forms.CharField(label="Comment (required to return it)", required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 3, "class": "usa-textarea"}))


class CommentForm(forms.Form):
    body = forms.CharField(label="Comment", max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3, "class": "usa-textarea"}))


class PublishForm(forms.Form):
    need_to_know = forms.CharField(
        label="Recipients' need to know", required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "class": "usa-textarea"}),
        help_text="Required for law-enforcement information (28 CFR 23.20(e)); kept with each dissemination.")
    expected = forms.CharField(widget=forms.HiddenInput, required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="Reason for withdrawal", max_length=500)


class CorrectionForm(forms.Form):
    note = forms.CharField(label="What was corrected", max_length=500)

    def __init__(self, product: Product, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for s in product.sections.all():
            self.fields[f"section_{s.key}"] = forms.CharField(
                label=s.title, required=False, initial=s.body, max_length=50_000,
                widget=forms.Textarea(attrs={"rows": 6, "class": "usa-textarea"}))
        self.section_keys = [s.key for s in product.sections.all()]

    def sections(self) -> dict[str, str]:
        return {k: self.cleaned_data.get(f"section_{k}", "") for k in self.section_keys}


class ReferenceForm(forms.Form):
    record_type = forms.ChoiceField(label="Record type", choices=[("sar.report", "Suspicious activity report")])
    receipt = forms.CharField(label="Report number or id", max_length=40)
    note = forms.CharField(label="Note (optional)", required=False, max_length=200)


class AttachmentForm(forms.Form):
    file = forms.FileField(label="Image or PDF", help_text="JPEG, PNG or PDF up to 10 MB; photo metadata is removed.")
    caption = forms.CharField(label="Caption", required=False, max_length=200)


class FeedbackForm(forms.Form):
    usefulness = forms.TypedChoiceField(label="How useful was this product?", coerce=int, widget=forms.RadioSelect,
                                        choices=[(5, "5 — very useful"), (4, "4"), (3, "3"), (2, "2"),
                                                 (1, "1 — not useful")])
    relevant = forms.BooleanField(label="It is relevant to my agency's mission", required=False)
    timely = forms.BooleanField(label="It arrived in time to act on", required=False)
    action = forms.ChoiceField(label="What did you do with it?", choices=list(FEEDBACK_ACTIONS.items()))
    comment = forms.CharField(label="Anything else? (optional)", required=False, max_length=500,
                              widget=forms.Textarea(attrs={"rows": 2, "class": "usa-textarea"}))


class SubscriptionForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120)
    url = forms.URLField(label="Feed address", max_length=500, assume_scheme="https")
    kind = forms.ChoiceField(label="Kind", choices=FeedSubscription.Kind.choices)
    default_tlp = forms.ChoiceField(label="TLP for items that carry none", choices=TLP.choices, initial=TLP.CLEAR)


class UploadForm(forms.Form):
    file = forms.FileField(label="Bulletin file (PDF or image)")
    title = forms.CharField(label="Title", max_length=300)
    originator = forms.CharField(label="Originator", max_length=200, help_text="e.g. DHS I&A and FBI")
    original_marking = forms.CharField(label="Marking as printed on the bulletin", max_length=300,
                                       help_text="e.g. UNCLASSIFIED//FOR OFFICIAL USE ONLY")
    summary = forms.CharField(label="Summary", required=False, max_length=20_000,
                              widget=forms.Textarea(attrs={"rows": 4, "class": "usa-textarea"}))
    tlp = forms.ChoiceField(label="TLP", choices=TLP.choices, initial=TLP.AMBER)
    record_class = forms.ChoiceField(label="Record class", choices=RecordClass.choices,
                                     initial=RecordClass.LAW_ENFORCEMENT)
    les = forms.BooleanField(label="Law Enforcement Sensitive (LES)", required=False)
    cui = forms.CharField(label="CUI banner (optional)", required=False, max_length=120)


class PassOnForm(AudienceMixin):
    note = forms.CharField(label="Center note (optional)", required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 2, "class": "usa-textarea"}))
    need_to_know = forms.CharField(label="Recipients' need to know", required=False, max_length=500,
                                   help_text="Required for law-enforcement information.")
    expected = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_audience()
