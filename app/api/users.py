"""UserAPI: one MethodView for the collection and the item, registered by register_api().

The views flush; `idempotent` commits, together with the answer when the client sent an
Idempotency-Key. A user deleted by a racing request is a 404 (app/errors.py), never a 500.
"""
from flask import request, url_for
from flask.views import MethodView
from sqlalchemy.exc import IntegrityError

from ..errors import error_response
from ..extensions import db
from ..idempotency import idempotent
from ..users.models import User
from . import bp
from .auth import user_required
from .validation import UserInput


class UserAPI(MethodView):
    decorators = [idempotent, user_required]  # the first is innermost: the token is checked first
    init_every_request = False

    def get(self, user_id):
        if user_id is None:
            users = db.session.scalars(db.select(User).order_by(User.id)).all()
            return {"users": [user.to_dict() for user in users]}
        return db.get_or_404(User, user_id, description="No user has that id.").to_dict()

    def post(self):
        data = UserInput.parse(request.get_json())
        user = User(**data)
        db.session.add(user)
        if not self._flush():
            return error_response(409, f"A user named {data['username']!r} already exists.")
        return user.to_dict(), 201, {"Location": url_for(".user_api", user_id=user.id, _method="GET")}

    def put(self, user_id):
        user = db.get_or_404(User, user_id, description="No user has that id.")
        for key, value in UserInput.parse(request.get_json()).items():
            setattr(user, key, value)
        if not self._flush():
            return error_response(409, f"A user named {user.username!r} already exists.")
        return user.to_dict()

    def delete(self, user_id):
        user = db.get_or_404(User, user_id, description="No user has that id.")
        db.session.delete(user)
        db.session.flush()
        return "", 204

    @staticmethod
    def _flush() -> bool:
        """Write, or roll back and say so when a unique name is taken (two writers can race past a check)."""
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            return False
        return True


def register_api(view_class, endpoint: str, url: str, pk: str = "user_id") -> None:
    """The notes' explicit registration: the collection takes GET/POST, the item GET/PUT/DELETE."""
    view = view_class.as_view(endpoint)
    bp.add_url_rule(url, defaults={pk: None}, view_func=view, methods=["GET"])
    bp.add_url_rule(url, view_func=view, methods=["POST"])
    bp.add_url_rule(f"{url}<int:{pk}>", view_func=view, methods=["GET", "PUT", "DELETE"])
    # One endpoint, three rules: build item URLs with url_for(endpoint, user_id=…, _method="GET").


register_api(UserAPI, "user_api", "/users/")
