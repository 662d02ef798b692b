"""``publisher brief --ray ADDRESS``: the build's steps on a Ray cluster (imported only with --ray).

:class:`RayExecutor` is the executor the build skeleton (:func:`publisher.building.build`) is
given; the cluster options, the model shipping, the actor pool and the window of texts in
flight each have a module here.
"""

from .cluster import ClusterError, RayOptions
from .executor import RayExecutor

__all__ = ["ClusterError", "RayExecutor", "RayOptions"]
