"""Forms of the account pages: they check the shape of the input; `accounts.services` checks the rules."""

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import USERNAME_PATTERN

USERNAME_HELP = "3 to 30 characters: letters, digits, underscores and dots."


def _password_input(autocomplete: str) -> forms.PasswordInput:
    return forms.PasswordInput(attrs={"autocomplete": autocomplete})


def username_field(**kwargs) -> forms.RegexField:
    """The username input of every form: the model's pattern, with a helpful message."""
    return forms.RegexField(
        regex=USERNAME_PATTERN,
        max_length=30,
        help_text=USERNAME_HELP,
        error_messages={"invalid": "Use only letters, digits, underscores and dots (3 to 30 of them)."},
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
        **kwargs,
    )


class SignupForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    username = username_field()
    password = forms.CharField(
        max_length=128,
        strip=False,
        help_text="At least 10 characters; not a common or all-numeric password.",
        widget=_password_input("new-password"),
    )
    first_name = forms.CharField(
        max_length=150, required=False, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        max_length=150, required=False, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )


class LoginForm(forms.Form):
    login = forms.CharField(
        label="E-mail or username",
        max_length=254,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )
    password = forms.CharField(max_length=128, strip=False, widget=_password_input("current-password"))
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class EmailForm(forms.Form):
    """One address: forgotten password, or a new verification link."""

    email = forms.EmailField(
        label="E-mail address", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class PasswordResetForm(forms.Form):
    """The new password, typed twice; the mailed token rides along in a hidden field."""

    token = forms.CharField(widget=forms.HiddenInput)
    password1 = forms.CharField(
        label="New password",
        max_length=128,
        strip=False,
        help_text="At least 10 characters; not a common or all-numeric password.",
        widget=_password_input("new-password"),
    )
    password2 = forms.CharField(
        label="Repeat the new password", max_length=128, strip=False, widget=_password_input("new-password")
    )

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error(
                "password2", ValidationError("The two passwords differ.", code="password_mismatch")
            )
        return cleaned


def form_add_service_errors(
    form: forms.Form, error: ValidationError, *, renamed: dict[str, str] | None = None
) -> None:
    """Show a service's `ValidationError` on the form: next to its field, or above the form.

    `renamed` maps the service's field names to the form's where they differ.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        field = (renamed or {}).get(name, name)
        form.add_error(field if field in form.fields else None, messages)
