"""gunicorn's gthread worker with threads of its own for /healthz.

gthread hands every connection to one pool of GUNICORN_THREADS threads; when all of them wait on
a stalled database, a health check queues behind them and a load balancer restarts a healthy
server. This worker sends the connections of the health bind to a pool of HEALTH_THREADS of their
own, which app requests never reach: nginx routes only /healthz to that socket. Accepting and
dispatching stay in the worker's main loop, as in gthread, which no app thread can hold up.

The health bind is GUNICORN_HEALTH_BIND, or the first bind's (deploy/health.py); deploy/gunicorn/conf.py
adds it to `bind`. With --bind on the command line, name it there too: --bind X --bind X-health.
"""
import os
from concurrent import futures

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

from deploy import health


def health_bind(binds: list[str]) -> str:
    return os.environ.get("GUNICORN_HEALTH_BIND") or health.health_bind(binds[0])


class HealthThreadWorker(ThreadWorker):
    def init_process(self):
        address = util.parse_address(health_bind(self.cfg.bind))
        # conn.server is the listener's getsockname(). A listener inherited across a re-exec (USR2)
        # or from systemd knows only that name, so either may match the bind.
        self.health_listeners = {listener.getsockname() for listener in self.sockets
                                 if address in (listener.cfg_addr, listener.getsockname())}
        self.health_pool = futures.ThreadPoolExecutor(max_workers=health.THREADS, thread_name_prefix="healthz")
        super().init_process()

    def enqueue_req(self, conn):
        if conn.server not in self.health_listeners:
            return super().enqueue_req(conn)
        done = self.health_pool.submit(self.handle, conn)
        done.add_done_callback(lambda fut: self.method_queue.defer(self.finish_request, conn, fut))

    def run(self):
        super().run()
        self.health_pool.shutdown(wait=False)

    def handle_quit(self, sig, frame):
        self.health_pool.shutdown(wait=False)
        super().handle_quit(sig, frame)
