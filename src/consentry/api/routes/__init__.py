"""The API's routers, one module per resource; ``common.py`` holds what they share."""
