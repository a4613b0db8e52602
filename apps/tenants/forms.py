from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.forms import LinesField

from .models import BRAND_LANGUAGES, Brand
from .roles import Role


class BrandForm(forms.ModelForm):
    aliases = LinesField(
        label=_("Aliases and spellings"),
        required=False,
        help_text=_("One per line, e.g. other spellings and languages."),
    )
    handles = LinesField(label=_("Social handles"), required=False, help_text=_("One per line, e.g. @brand."))
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=BRAND_LANGUAGES, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Brand
        fields = ["name", "slug", "aliases", "handles", "languages", "tone_of_voice"]
        widgets = {"tone_of_voice": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, client=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        clash = Brand.objects.unscoped().filter(client=self.client, slug=slug)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("Another brand of this client has this short name."))
        return slug

    def _post_clean(self):
        # Model validation happens in the service, which owns the client.
        pass


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
