"""Metrics and error reports through each compose profile: the front-end suite's own tests, with
this suite's stack (the ones that kill or count processes need pids compose cannot give for flup)."""
from tests.frontends.test_error_reports import (  # noqa: F401  (collected here with this suite's stack)
    test_error_reports_leave_out_what_the_app_answered_itself,
    test_error_reports_send_one_report_per_error_with_its_request_id_and_nothing_of_the_user,
)
from tests.frontends.test_metrics import (  # noqa: F401
    test_metrics_are_refused_on_the_public_listener,
    test_metrics_count_every_request_once_across_all_processes,
    test_metrics_keep_counting_across_a_graceful_reload,
    test_metrics_report_the_outbox_the_pools_and_the_build,
    test_status_listener_serves_the_web_servers_status_and_nothing_else,
)
