"""The web application: server-rendered pages (Jinja2 + htmx) for creators, organisations,
developers and the public, served by the API's process (docs/web.md).

No business rules here: pages call the registry's services with the signed-in user's
:class:`~consentry.registry.access.Actor`, so permission checks are the API's.
"""
