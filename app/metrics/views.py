"""GET /metrics: the Prometheus text format, for this host's scraper or a holder of METRICS_TOKEN."""
import hmac
import ipaddress

from flask import Blueprint, Response, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from werkzeug.exceptions import NotFound

from .collectors import ScrapeTimeCollector
from .instruments import instruments, multiprocess_dir, prune_dead

bp = Blueprint("metrics", __name__)


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.strip()).is_loopback
    except ValueError:  # "" (a unix socket peer with no address), "unknown", garbage
        return False


def came_from_this_host() -> bool:
    """Every hop loopback: the client as the app sees it (after PROXY_FIX_COUNT proxies) and each
    address any proxy or client put in X-Forwarded-For. A public client that sends
    `X-Forwarded-For: 127.0.0.1` through nginx arrives as "127.0.0.1, <its own address>"."""
    forwarded = [hop for header in request.headers.getlist("X-Forwarded-For") for hop in header.split(",")]
    return all(is_loopback(address) for address in [request.remote_addr or "", *forwarded])


def has_token() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


@bp.route("/metrics")
def metrics():
    # 404 rather than 403: to anyone else the page is not there, as nginx answers on its public side.
    if not (came_from_this_host() or has_token()):
        raise NotFound()
    folder = multiprocess_dir()
    if folder:
        prune_dead(folder)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=folder)
    else:
        registry = instruments().registry
    text = generate_latest(registry) + generate_latest(_scrape_time())
    return Response(text, content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def _scrape_time() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ScrapeTimeCollector())
    return registry
