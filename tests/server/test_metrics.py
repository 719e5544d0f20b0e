"""/metrics and the web tier's status on a server installed the README's way: the front-end suite's
own tests with this suite's stack (the scraper's listener is the server's 127.0.0.1:9180; the
test process is in the server's network namespace). The killed-worker test needs the host's pids
of the server's processes, which this stack does not give."""
from tests.frontends.test_metrics import (  # noqa: F401  (collected here with this suite's stack)
    test_metrics_are_refused_on_the_public_listener,
    test_metrics_count_every_request_once_across_all_processes,
    test_metrics_keep_counting_across_a_graceful_reload,
    test_metrics_report_the_outbox_the_pools_and_the_build,
    test_status_listener_serves_the_web_servers_status_and_nothing_else,
)
