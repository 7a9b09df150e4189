"""`hymar serve`: serve a hymar reward over HTTP (POST /score, OpenRLHF POST /get_reward, GET /health)."""

from __future__ import annotations

import argparse
import os
import sys

from hymar.commands.reward_args import add_reward_arguments

EXIT_OK, EXIT_USAGE = 0, 2
TOKEN_ENV = "HYMAR_SERVE_TOKEN"

DESCRIPTION = "Serve a hymar reward over HTTP: POST /score, POST /get_reward (OpenRLHF), GET /health."
EPILOG = """\
examples:
  hymar serve --preset rule-only
  HYMAR_SERVE_TOKEN=s3cret hymar serve --config reward.yaml --host 0.0.0.0 --port 8000
  curl -s localhost:8000/score -d '[{"prompt":"2+2?","completion":"<answer>4</answer>","answer":"4"}]'
See docs/server.md for the protocols, limits and security notes."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the subcommand's arguments to ``parser``."""
    parser.description = DESCRIPTION
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    add_reward_arguments(parser)
    parser.add_argument("--no-warmup", dest="warmup", action="store_false", help="skip the warm-up call at start")
    net = parser.add_argument_group("network")
    net.add_argument("--host", default="127.0.0.1", help="interface to bind (default: %(default)s)")
    net.add_argument("--port", type=int, default=8000, help="TCP port (default: %(default)s)")
    net.add_argument("--token", default=None, help=f"bearer token required on every request (prefer env {TOKEN_ENV})")
    net.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    lim = parser.add_argument_group("limits")
    lim.add_argument("--max-body-bytes", type=int, default=16 * 1024 * 1024, help="largest request body (default: %(default)s)")
    lim.add_argument("--max-concurrency", type=int, default=2, help="requests scored at once (default: %(default)s)")
    lim.add_argument("--max-queue", type=int, default=512, help="requests waiting; beyond -> 503 (default: %(default)s)")
    lim.add_argument("--request-timeout", type=float, default=60.0,
                     help="seconds per request -> 504, its remaining work cancelled (default: %(default)s)")
    lim.add_argument("--header-timeout", type=float, default=10.0,
                     help="seconds a connection may take to send its request headers, else closed (default: %(default)s)")
    lim.add_argument("--body-timeout", type=float, default=30.0,
                     help="seconds a request may take to send its body -> 408 (default: %(default)s)")
    lim.add_argument("--max-samples", type=int, default=4096, help="samples per request (default: %(default)s)")
    lim.add_argument("--shutdown-timeout", type=float, default=30.0, help="seconds to finish in-flight requests on SIGTERM")
    opt = parser.add_argument_group("inputs")
    opt.add_argument("--image-root", default=None, help="folder request image paths are resolved in (default: images refused)")
    opt.add_argument("--strip-suffix", action="append", default=[], metavar="TEXT",
                     help="remove TEXT from the end of OpenRLHF responses, e.g. '<|im_end|>' (repeatable)")
    opt.add_argument("--serialize", choices=["auto", "always", "never"], default="auto",
                     help="lock around the reward: auto = unless every component is known thread-safe")


def run(args: argparse.Namespace) -> int:
    """Build the reward, then serve until SIGINT/SIGTERM. Returns the exit code."""
    from hymar.commands.reward_args import reward_source
    from hymar.rewards.config import ConfigError

    try:
        from hymar.integrations.server.launch import serve
        from hymar.integrations.server.settings import ServeSettings
    except ImportError as err:
        print(f"hymar serve: {err.name or err} is missing: pip install 'hymar[serve]'", file=sys.stderr)
        return EXIT_USAGE

    try:
        source = reward_source(args)
        settings = ServeSettings(
            host=args.host,
            port=args.port,
            token=args.token if args.token is not None else (os.environ.get(TOKEN_ENV) or None),
            max_body_bytes=args.max_body_bytes,
            max_concurrency=args.max_concurrency,
            max_queue=args.max_queue,
            request_timeout=args.request_timeout,
            header_timeout=args.header_timeout,
            body_timeout=args.body_timeout,
            max_samples=args.max_samples,
            shutdown_timeout=args.shutdown_timeout,
            reward_name=source.label,
            image_root=args.image_root,
            strip_suffixes=tuple(args.strip_suffix),
            serialize=args.serialize,
        )
        reward = source.build()
    except (ConfigError, ValueError, KeyError, ImportError) as err:
        print(f"hymar serve: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.warmup:
        warm_up(reward)
    serve(reward, settings, log_level=args.log_level)
    return EXIT_OK


def warm_up(reward) -> None:
    """Score two samples so the first request does not pay for model loads and the math sandbox."""
    from hymar.rewards.types import Sample

    samples = [
        # symbolic: starts the math sandbox's worker processes now
        Sample(prompt="Expand (x+1)^2.", completion="<answer>x^2+2x+1</answer>", answer="(x+1)^2", task="math"),
        Sample(prompt="Describe the image.", completion="<answer>a red cube</answer>", reference="a red box", task="open"),
    ]
    reward(samples, [0, 1])  # a failure here shows up again, with its reason, in the first request
