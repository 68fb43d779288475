"""Per-key request limits (:class:`ratelimit.limiter.RateLimiter`), in Redis when configured.

Shared by the web front, the WeChat channel, the booking actions and the register: each process type
limits its own callers the same way, and with Redis every worker and replica counts together.

May import: ``redis`` and the standard library; nothing of the project's.
"""
