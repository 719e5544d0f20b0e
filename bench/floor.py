"""The floor app: bare Flask doing the app's route work for /hello, /template and /api/users/, nothing more.

It renders the app's own templates (app/templates, the same layout) with what an anonymous visitor's
page gets, and lists the same 20 users through the same model and Flask-SQLAlchemy, so it answers
the same bytes as the app, bar the static file's ?v= and the app's extra headers. It has no other
extension, hook, logging, session cookie, CSRF, CORS or error handler of its own. CPU per request
above this floor (bench/cpu.py) is what the app adds, and what issue 19 holds to 1.3×.

    gunicorn -c python:deploy.gunicorn.conf bench.floor:application   # as the bench's floor row runs it
"""
import os

from flask import Blueprint, Flask, render_template, request

from app.extensions import db
from app.users.models import User

TEMPLATES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "app", "templates")

# The endpoints the layout links to, so that url_for in base.html builds the same URLs as the app.
basics = Blueprint("basics", __name__)


@basics.route("/hello")
def hello():
    return render_template("basics/greeting.html", greeting="Hello World",
                           about="The notes' first view, bound with add_url_rule instead of the decorator.")


@basics.route("/template")
def template_demo():
    return render_template("basics/template.html", my_str="a string", my_int=42, my_array=[1, 2, 3],
                           my_dict={"name": "Flask", "lang": "Python"}, messages=request.args.getlist("message"))


@basics.route("/")
def index():
    return ""


@basics.route("/login")
def login():
    return ""


@basics.route("/logout", methods=["POST"])
def logout():
    return ""


api = Blueprint("api", __name__, url_prefix="/api")


@api.route("/users/")
def users():
    return {"users": [user.to_dict() for user in db.session.scalars(db.select(User).order_by(User.id))]}


def create_app() -> Flask:
    app = Flask(__name__, template_folder=TEMPLATES,
                static_folder=os.path.join(os.path.dirname(TEMPLATES), "static"))
    app.config.update(SECRET_KEY=os.environ.get("SECRET_KEY", "floor"),
                      SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"])
    db.init_app(app)
    app.register_blueprint(basics)
    app.register_blueprint(api)
    return app


application = create_app() if "DATABASE_URL" in os.environ else None
