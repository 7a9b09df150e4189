"""`ServeSettings`: every limit and option of `hymar serve`, one frozen dataclass validated on creation."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost"})


@dataclass(frozen=True)
class ServeSettings:
    """Options of the reward server.

    Args:
        host: interface to bind; loopback by default so nothing off the machine can reach it.
        port: TCP port.
        token: bearer token every request must carry (None = no auth).
        max_body_bytes: largest request body; checked from Content-Length and while streaming.
        max_concurrency: requests scored at the same time (worker threads).
        max_queue: admitted requests waiting for a worker; one more gets 503 + Retry-After.
        request_timeout: seconds from admission (queue wait included) to the answer, else 504; the
            request's remaining work is cancelled then (see `hymar.integrations.server.worker`).
        header_timeout: seconds a connection may take to send a request's headers (counted from
            when it opened, or from its previous response), else it is closed; bytes trickling in
            do not extend it (slowloris).
        body_timeout: seconds a request may take to send its body once its headers are in, else 408.
        max_samples: most samples in one request, else 422.
        shutdown_timeout: seconds a SIGINT/SIGTERM waits for in-flight requests before closing.
        reward_name: preset name or config path, shown by /health.
        image_root: folder image paths in requests are resolved inside; None refuses images (a path
            in a request would otherwise make the server open any file it can read).
        strip_suffixes: strings removed (repeatedly) from the end of an OpenRLHF response, e.g. the
            EOS/pad tokens that a decode with skip_special_tokens=False leaves there.
        serialize: "auto" (a lock around the reward unless every component is known thread-safe),
            "always" or "never".
        retry_after: seconds suggested in the Retry-After header of a 503.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    max_body_bytes: int = 16 * 1024 * 1024
    max_concurrency: int = 2
    max_queue: int = 512
    request_timeout: float = 60.0
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_samples: int = 4096
    shutdown_timeout: float = 30.0
    reward_name: str = "custom"
    image_root: str | None = None
    strip_suffixes: tuple[str, ...] = field(default_factory=tuple)
    serialize: str = "auto"
    retry_after: int = 1

    def __post_init__(self) -> None:
        positive = (
            "max_body_bytes", "max_concurrency", "max_samples", "request_timeout", "shutdown_timeout",
            "header_timeout", "body_timeout",
        )
        for name in positive:
            value = getattr(self, name)
            if isinstance(value, bool) or not value > 0:
                raise ValueError(f"{name} must be > 0, got {value!r}")
        if self.max_queue < 0:
            raise ValueError(f"max_queue must be >= 0, got {self.max_queue!r}")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be in 0..65535, got {self.port!r}")
        if self.serialize not in ("auto", "always", "never"):
            raise ValueError(f"serialize must be auto, always or never, got {self.serialize!r}")
        if self.token is not None and not self.token.strip():
            raise ValueError("token must not be empty")
        if any(not s for s in self.strip_suffixes):
            raise ValueError("strip_suffixes must not contain an empty string")

    @property
    def is_loopback(self) -> bool:
        """True when ``host`` only accepts connections from this machine."""
        if self.host.lower() in LOOPBACK_NAMES:
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False
