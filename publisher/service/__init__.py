"""The publishing service (``publisher service``): articles in from the CMS, the inbox and the
Korean site's feeds; briefs out through the normal build, without anyone at a terminal.

Modules by job: :mod:`.app` (the HTTP API and its gate), :mod:`.queue` (the durable job
queue), :mod:`.worker` (the one build worker), :mod:`.inbox` (the API's writes into the
inbox), :mod:`.watch` (the inbox watcher), :mod:`.tokens` (API tokens and the rate limit),
:mod:`.metrics`, :mod:`.logs`, and :mod:`.run` (wiring them together and serving).
"""
