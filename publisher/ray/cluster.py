"""Reaching a Ray cluster: the options of a Ray build, connecting, and the cluster's errors."""

from __future__ import annotations

import importlib.util
import logging
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass

from ..document import InputError, PublisherError

log = logging.getLogger(__name__)

LOCAL = "local"
DEFAULT_TIMEOUT = 30.0  # seconds to reach a cluster before giving up (--ray-timeout)


class ClusterError(PublisherError):
    """The Ray cluster cannot be reached or cannot do the work."""

    exit_code = 5


@dataclass(frozen=True)
class RayOptions:
    """How to run on Ray.

    ``address``: ``local`` (start Ray in this process with this machine's CPUs), ``auto``
    (the cluster this machine belongs to), ``ray://host:10001`` (Ray Client) or a head
    node's ``host:6379``. ``actors`` translation actors with ``threads`` CTranslate2
    threads each. ``max_in_flight``: articles between reading and writing (default
    ``max(16, 3 * actors * batch_articles)``: a batch translating, one waiting, one being
    read or rendered). ``batch_articles``: articles per request to an actor.
    ``max_restarts``: how often Ray restarts a dead actor (and retries its request) before
    the pool gives up on it.
    """

    address: str = LOCAL
    actors: int = 1
    threads: int = 2
    max_in_flight: int | None = None
    batch_articles: int = 8
    max_restarts: int = 3
    task_retries: int = 3
    local_cpus: int | None = None  # default: the cores the translation threads leave free (at least 1)
    timeout: float = DEFAULT_TIMEOUT  # seconds to reach the cluster (--ray-timeout)

    def __post_init__(self) -> None:
        if self.actors < 1 or self.threads < 1 or self.batch_articles < 1:
            raise InputError("--actors, --threads and the batch size must be at least 1")
        if self.max_in_flight is not None and self.max_in_flight < 1:
            raise InputError("--in-flight must be at least 1")
        if not 0 < self.timeout <= 3600:
            raise InputError("--ray-timeout must be between 0 and 3600 seconds")

    @property
    def window(self) -> int:
        return self.max_in_flight or max(16, 3 * self.actors * self.batch_articles)


def ray_module():
    """The ``ray`` package (imported only for a Ray build: it takes seconds)."""
    try:
        import ray
    except ImportError:
        raise ClusterError("--ray needs Ray, which is not installed; run: pip install 'publisher[ray]'") from None
    return ray


def connect(address: str, local_cpus: int | None = None, timeout: float = DEFAULT_TIMEOUT) -> bool:
    """Connect to (or, for ``local``, start) Ray. Returns whether we started it (and must stop it).

    ``local_cpus``: the CPUs a local Ray offers to read and render tasks. A Ray already
    initialised in this process (a notebook, a test) is used as it is. A cluster that does
    not answer within ``timeout`` seconds is a :class:`ClusterError` naming the address:
    first a plain TCP connection to ``HOST:PORT`` (nothing listening is said at once, before
    Ray prints its own retries), then Ray's own handshake under the same deadline. A Ray Client
    connection that the head refuses because the server it starts for each connection did not
    come up is tried again, up to three times, within that deadline.
    """
    ray = ray_module()
    if ray.is_initialized():
        return False
    hint = "start one with 'ray start --head' or run with --ray local"
    if address.startswith("ray://") and importlib.util.find_spec("grpc") is None:
        raise ClusterError(
            f"cannot use the Ray cluster at {address!r}: Ray Client (ray://) needs the Python package 'grpcio', "
            "which is not installed; run: pip install 'publisher[ray]' (it brings ray[client])"
        )
    hostport = _host_port(address)
    if hostport is not None:
        _probe(address, *hostport, timeout=timeout, hint=hint)
    kwargs = dict(include_dashboard=False, logging_level=logging.WARNING, configure_logging=False)
    if address == LOCAL:  # starting Ray here: no remote party to wait for, no deadline
        return _init_or_raise(ray, address, hint, dict(kwargs, address="local", num_cpus=local_cpus or os.cpu_count() or 1))
    kwargs.update(address=address)
    deadline = time.monotonic() + timeout
    for attempt in range(1, CLIENT_ATTEMPTS + 1):
        left = deadline - time.monotonic()
        outcome = _init_within(ray, kwargs, left) if left > 0 else []
        if not outcome:
            raise ClusterError(
                f"cannot connect to the Ray cluster at {address!r}: no answer within {timeout:g} s "
                f"(raise it with --ray-timeout); {hint}"
            )
        if attempt < CLIENT_ATTEMPTS and _server_could_not_start(outcome[0]):
            log.warning("Ray Client: the head at %s could not start a server for this connection (%s); trying again", address, _reason(outcome[0]))
            continue
        break
    return _raise_for(outcome[0], address, hint)


# Ray Client's head starts one server process per connection; under load that start can fail
# (the process exits at once, or does not answer within Ray's 30 s), and the head then refuses
# the connection with "Initialization failure from server". A new connection gets a new process.
CLIENT_ATTEMPTS = 3


def _server_could_not_start(exc: BaseException | None) -> bool:
    return isinstance(exc, ConnectionAbortedError) and str(exc).startswith("Initialization failure from server")


def _init_within(ray, kwargs: dict, timeout: float) -> list[BaseException | None]:
    """``ray.init(**kwargs)`` in a thread, so that a cluster that never answers cannot hold this
    one: ``[None]`` when connected, ``[error]`` when refused, ``[]`` when still waiting after
    ``timeout`` seconds (the thread is left behind: it holds no lock of ours)."""
    outcome: list[BaseException | None] = []

    def init() -> None:
        try:
            ray.init(**kwargs)
            outcome.append(None)
        except BaseException as exc:  # handed to the caller's thread
            outcome.append(exc)

    # Set here the SIGTERM handler Ray sets only from the main thread, and drop its warning.
    if threading.current_thread() is threading.main_thread():
        ray._private.utils.set_sigterm_handler(lambda signum, frame: sys.exit(signum))
    quiet = _DropMessage("SIGTERM handler is not set")
    ray_log = logging.getLogger("ray._private.worker")
    ray_log.addFilter(quiet)
    worker = threading.Thread(target=init, name="ray-connect", daemon=True)
    worker.start()
    try:
        worker.join(timeout)
    finally:
        ray_log.removeFilter(quiet)
    return outcome


class _DropMessage(logging.Filter):
    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.prefix)


def _init_or_raise(ray, address: str, hint: str, kwargs: dict) -> bool:
    try:
        ray.init(**kwargs)
    except BaseException as exc:
        return _raise_for(exc, address, hint)
    return True


def _raise_for(exc: BaseException | None, address: str, hint: str) -> bool:
    """True for no error; else the cluster's error as one ClusterError line."""
    if exc is None:
        return True
    if not isinstance(exc, (ConnectionError, RuntimeError, ValueError, TimeoutError)):
        raise exc
    first = _reason(exc)
    if address.startswith("ray://") and os.environ.get("RAY_AUTH_MODE", "").lower() != "token":
        # A head node started where a token exists requires it, and Ray Client then
        # only times out: say what to set.
        hint += "; if the cluster uses token authentication, set RAY_AUTH_MODE=token and RAY_AUTH_TOKEN (or ~/.ray/auth_token)"
    raise ClusterError(f"cannot connect to the Ray cluster at {address!r} ({first}); {hint}") from None


def _reason(exc: BaseException) -> str:
    """One line saying why: the message's first line, or, where Ray Client ends that line with a
    colon and sends the head's traceback after it, the traceback's last line (the error itself)."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    if lines[0].endswith(":") and len(lines) > 1:
        return f"{lines[0]} {lines[-1]}"
    return lines[0]


def _host_port(address: str) -> tuple[str, int] | None:
    """``(host, port)`` of ``HOST:PORT`` or ``ray://HOST:PORT``; None for ``local``/``auto``."""
    rest = address[len("ray://"):] if address.startswith("ray://") else address
    host, sep, port = rest.rpartition(":")
    if not sep or not port.isdigit() or not host:
        return None
    return host.strip("[]"), int(port)


def _probe(address: str, host: str, port: int, *, timeout: float, hint: str) -> None:
    """A TCP connection to the cluster's port, or ClusterError naming the address."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except socket.timeout:
        reason = f"no answer within {timeout:g} s (raise it with --ray-timeout)"
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
    raise ClusterError(f"cannot connect to the Ray cluster at {address!r}: {reason}; {hint}")


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (VmHWM; 0 where /proc is missing)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
