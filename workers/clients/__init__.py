"""One client per third-party API. Each turns transport failures into the
typed errors of `workers.errors`, raised `from` the original, and takes a
token from the global rate limiter before every call."""
