"""Racing writes: 100 times, a PUT and a DELETE of the same API user released together.

Whichever wins, the other must be told the truth in a 4xx: the PUT 200 or 404 (the user is gone),
the DELETE 204 or 404, a 409 at most; never a 500 (StaleDataError, ObjectDeletedError). The
table's row counts the answers by status.
"""
import secrets
import threading

from .api import api, counts

RACES = 100
ALLOWED = {200, 204, 404, 409}


def test_a_put_racing_a_delete_answers_404_or_409_never_500(stack, result):
    run = secrets.token_hex(4)
    puts, deletes, errors = [], [], []

    def race(user_id: int, n: int) -> None:
        barrier = threading.Barrier(2)

        def send(answers: list, method: str, body: dict | None = None) -> None:
            barrier.wait()
            try:
                answers.append(api(stack, method, f"/api/users/{user_id}", body))
            except OSError as error:
                errors.append(type(error).__name__)

        threads = [threading.Thread(target=send, args=(puts, "PUT", {"username": f"raced-{run}-{n}", "email": "r@example.com"})),
                   threading.Thread(target=send, args=(deletes, "DELETE"))]
        [t.start() for t in threads]
        [t.join() for t in threads]

    for n in range(RACES):
        created = api(stack, "POST", "/api/users/", {"username": f"race-{run}-{n}", "email": "r@example.com"})
        assert created.status == 201, f"setup: POST answered {created.status}"
        race(int(created.headers["location"].rpartition("/")[2]), n)

    answers = puts + deletes
    bad = [r for r in answers if r.status not in ALLOWED]
    left = stack.sql("SELECT count(*) FROM users WHERE username LIKE %s OR username LIKE %s", (f"race-{run}-%", f"raced-{run}-%"))[0][0]
    result.sent, result.failed = len(answers) + len(errors), len(bad) + len(errors)
    result.slowest = max((r.seconds for r in answers), default=0.0)
    result.details.append(f"{RACES} races: PUT {counts(r.status for r in puts)}, DELETE {counts(r.status for r in deletes)}"
                          + (f", connection errors {counts(errors)}" if errors else "") + f"; {left} raced users left")
    result.expect(not bad and not errors, f"answers outside {sorted(ALLOWED)}: {counts([r.status for r in bad] + errors)}")
    result.expect(left == 0, f"{left} users survived a DELETE that answered 204")
    assert result.problems == []
