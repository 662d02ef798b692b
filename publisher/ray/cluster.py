"""Reaching a Ray cluster: the options of a Ray build, connecting, and the cluster's errors."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from ..document import InputError, PublisherError

LOCAL = "local"


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

    def __post_init__(self) -> None:
        if self.actors < 1 or self.threads < 1 or self.batch_articles < 1:
            raise InputError("--actors, --threads and the batch size must be at least 1")
        if self.max_in_flight is not None and self.max_in_flight < 1:
            raise InputError("--in-flight must be at least 1")

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


def connect(address: str, local_cpus: int | None = None) -> bool:
    """Connect to (or, for ``local``, start) Ray. Returns whether we started it (and must stop it).

    ``local_cpus``: the CPUs a local Ray offers to read and render tasks. A Ray already
    initialised in this process (a notebook, a test) is used as it is.
    """
    ray = ray_module()
    if ray.is_initialized():
        return False
    kwargs = dict(include_dashboard=False, logging_level=logging.WARNING, configure_logging=False)
    try:
        if address == LOCAL:
            ray.init(address="local", num_cpus=local_cpus or os.cpu_count() or 1, **kwargs)
        else:
            ray.init(address=address, **kwargs)
    except (ConnectionError, RuntimeError, ValueError, TimeoutError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        hint = "start one with 'ray start --head' or run with --ray local"
        if address.startswith("ray://") and os.environ.get("RAY_AUTH_MODE", "").lower() != "token":
            # A head node started where a token exists requires it, and Ray Client then
            # only times out: say what to set.
            hint += "; if the cluster uses token authentication, set RAY_AUTH_MODE=token and RAY_AUTH_TOKEN (or ~/.ray/auth_token)"
        raise ClusterError(f"cannot connect to the Ray cluster at {address!r} ({first}); {hint}") from None
    return True


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
