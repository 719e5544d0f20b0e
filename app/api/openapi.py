"""The OpenAPI 3.1 document of the JSON API, served at /openapi.json.

At the root rather than under /api/: /openapi.json is where Swagger UI, schemathesis and client
generators look first. tests/test_api.py proves its paths and methods are the app's real routes.
"""
from ..idempotency import HEADER, REPLAYED
from . import bp
from .validation import EMAIL_MAX_LENGTH, RESERVED_EMAIL_DOMAIN, USERNAME


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> dict:
    return {"description": description, "content": _json(_ref("Error"))}


USER_ID = {"name": "user_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0}}
IDEMPOTENCY_KEY = {
    "name": HEADER, "in": "header", "required": False, "schema": {"type": "string", "pattern": r"^[\x21-\x7e]{1,255}$"},
    "description": "Any unique string (a UUID): the same key with the same request gives the first answer again "
    f"(with `{REPLAYED}: true`) and never writes twice, for 24 hours (IDEMPOTENCY_KEY_HOURS). Only answers below "
    "400 are kept; an error changed nothing, so its retry runs again.",
}
# Reads are public, writes need the token and take an Idempotency-Key.
WRITE = {"security": [{"bearerAuth": []}], "parameters": [IDEMPOTENCY_KEY]}
USER_BODY = {"required": True, "content": _json(_ref("UserInput"))}
ERRORS = {
    "400": _error("Malformed JSON, not an object, or invalid fields (each named in `errors`)."),
    "401": _error("No valid `Authorization: Bearer <API_TOKEN>` header (or the API is read-only)."),
    "404": _error("No user has that id."),
    "409": _error("Another user already has that username, or a request with the same Idempotency-Key is in progress "
                  "(with Retry-After)."),
    "413": _error("The body is larger than MAX_CONTENT_LENGTH."),
    "415": _error("The body is not `application/json`."),
    "422": _error("The Idempotency-Key was used before for a different method, path or body."),
}


def _errors(*codes: str) -> dict:
    return {code: ERRORS[code] for code in codes}


DOCUMENT = {
    "openapi": "3.1.0",
    "info": {
        "title": "Flask reference: UserAPI",
        "version": "1.0.0",
        "description": "The notes' MethodView UserAPI. Reads are public; writes need "
        "`Authorization: Bearer <API_TOKEN>`. Every error is a JSON object (`Error`).",
    },
    "paths": {
        "/api/users/": {
            "get": {
                "operationId": "listUsers",
                "summary": "Every user, by id",
                "responses": {"200": {"description": "The users.", "content": _json(_ref("UserList"))}},
            },
            "post": {
                "operationId": "createUser",
                "summary": "Create a user",
                **WRITE,
                "requestBody": USER_BODY,
                "responses": {
                    "201": {
                        "description": "Created.",
                        "headers": {"Location": {"description": "The new user's URL.", "schema": {"type": "string"}}},
                        "content": _json(_ref("User")),
                    },
                    **_errors("400", "401", "409", "413", "415", "422"),
                },
            },
        },
        "/api/users/{user_id}": {
            "parameters": [USER_ID],
            "get": {
                "operationId": "getUser",
                "summary": "One user",
                "responses": {"200": {"description": "The user.", "content": _json(_ref("User"))}, **_errors("404")},
            },
            "put": {
                "operationId": "replaceUser",
                "summary": "Replace a user's username and email",
                **WRITE,
                "requestBody": USER_BODY,
                "responses": {
                    "200": {"description": "The user as stored.", "content": _json(_ref("User"))},
                    **_errors("400", "401", "404", "409", "413", "415", "422"),
                },
            },
            "delete": {
                "operationId": "deleteUser",
                "summary": "Delete a user",
                **WRITE,
                "responses": {"204": {"description": "Deleted."}, **_errors("401", "404", "409", "422")},
            },
        },
    },
    "components": {
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "description": "The server's API_TOKEN."}},
        "schemas": {
            "UserInput": {
                "type": "object",
                "required": ["username", "email"],
                "properties": {
                    "username": {"type": "string", "pattern": USERNAME.pattern, "maxLength": 40},
                    # format: email is only an annotation in JSON Schema, and allows a.b@x.test:
                    # the schema says what email_validator refuses on top, so a client can check first.
                    "email": {"type": "string", "format": "email", "maxLength": EMAIL_MAX_LENGTH,
                              "not": {"pattern": RESERVED_EMAIL_DOMAIN.pattern},
                              "description": "Checked by email_validator (syntax only, no DNS lookup): a domain"
                                             " reserved for special use (.test, .local, .localhost, .invalid,"
                                             " .onion, .arpa) is refused, as it can never receive mail."},
                },
            },
            "User": {
                "type": "object",
                "required": ["id", "username", "email"],
                "properties": {"id": {"type": "integer"}, "username": {"type": "string"}, "email": {"type": "string"}},
            },
            "UserList": {
                "type": "object",
                "required": ["users"],
                "properties": {"users": {"type": "array", "items": _ref("User")}},
            },
            "Error": {
                "type": "object",
                "required": ["status", "error", "message"],
                "properties": {
                    "status": {"type": "integer"},
                    "error": {"type": "string"},
                    "message": {"type": "string"},
                    "errors": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Per field."},
                },
            },
        },
    },
}


def openapi_document():
    return DOCUMENT


@bp.record_once
def serve_at_the_root(state) -> None:
    # A blueprint's rules all take its /api prefix, so this one is the app's, named like the others.
    state.app.add_url_rule("/openapi.json", "api.openapi", openapi_document, methods=["GET"])
