"""The route table through each compose profile: make smoke's test, run against the containers."""
from tests.smoke.test_routes import test_route_answers_as_the_table_says  # noqa: F401  (collected here with this suite's stack)
