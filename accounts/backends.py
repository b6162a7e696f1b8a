"""Session login (pages, admin) with an e-mail address or a username, like the API's login."""

from django.contrib.auth.backends import ModelBackend

from accounts import selectors
from accounts.models import User


class EmailOrUsernameBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        identifier = username or kwargs.get("email")
        if not identifier or password is None:
            return None
        user = selectors.user_get_by_login(identifier=identifier)
        if user is None:
            # Spend the time of a real check, so response times do not reveal which accounts exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
