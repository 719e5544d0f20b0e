"""Health: /healthz says the process answers, /readyz says the database does."""
from app import create_app
from tests.services import free_port


def test_readyz_checks_the_database(client):
    assert client.get("/readyz").json == {"status": "ok", "database": "ok"}


def test_without_a_database_readyz_is_503_json_and_healthz_and_pages_still_answer(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"postgresql://postgres@127.0.0.1:{free_port()}/none",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
            "UPLOAD_FOLDER": str(tmp_path),
        }
    )
    client = app.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json["status"] == "unavailable"
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/hello").status_code == 200
