"""Edges of the site: the sign-in throttle, rate limits and hostile-input guards."""
