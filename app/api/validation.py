"""Checks on the JSON a client sends: every problem reported at once, as a 400 with field errors."""
import re

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from werkzeug.exceptions import BadRequest

from ..users.models import User

USERNAME = re.compile(r"^[\w.-]{1,40}$")
# Checked here: the database would refuse a longer one with an error, not a field message.
EMAIL_MAX_LENGTH = User.__table__.c.email.type.length
# The domains validate_email refuses even without a DNS check; the OpenAPI schema says so too.
RESERVED_EMAIL_DOMAIN = re.compile(r"[@.](%s)\.?$" % "|".join(SPECIAL_USE_DOMAIN_NAMES))


class InvalidInput(BadRequest):
    def __init__(self, errors: dict):
        super().__init__("The request body has invalid fields: " + "; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class UserInput:
    @staticmethod
    def parse(payload) -> dict:
        if not isinstance(payload, dict):
            raise BadRequest("The request body must be a JSON object.")
        errors, clean = {}, {}
        username = payload.get("username")
        if not isinstance(username, str) or not USERNAME.match(username):
            errors["username"] = "1 to 40 letters, digits, '.', '_' or '-'."
        else:
            clean["username"] = username
        email = payload.get("email")
        try:
            clean["email"] = validate_email(str(email or ""), check_deliverability=False).normalized
        except EmailNotValidError as error:
            errors["email"] = str(error)
        else:
            if len(clean["email"]) > EMAIL_MAX_LENGTH:
                errors["email"] = f"At most {EMAIL_MAX_LENGTH} characters."
        if errors:
            raise InvalidInput(errors)
        return clean
