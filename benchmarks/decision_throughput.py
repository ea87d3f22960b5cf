"""Decisions at saturation (closed loop): how many decisions per second the real server gives.

Target (issue 8): above 2,000 decisions/s on the 2-core machine. ``--connections`` clients
(default 32), each on its own keep-alive connection, send ``GET /v1/decisions`` for random
works of a seeded 1,000,000-work registry, each sending its next request as soon as the
previous one is answered, for ``--warmup`` seconds (not recorded) and then ``--duration``
seconds. Server: ``consentry serve --workers 2`` on loopback; the load generator
(loadgen.py) shares the same cores, and its CPU use is reported. Prints one JSON line:

    {"name": "decision_throughput", "value": <decisions/s>, "unit": "decisions/s",
     "p50_ms": .., "p90_ms": .., "p99_ms": .., "p99_9_ms": .., "max_ms": .., "errors": ..,
     "duration_s": .., "backend": .., "server_workers": .., "loadgen_cpu_pct_of_one_core": ..,
     "cli_decide_wall_s": .., ...}

    python -m benchmarks.decision_throughput                        # SQLite
    python -m benchmarks.decision_throughput --backend postgresql   # database consentry_bench
"""

from __future__ import annotations

import json

from benchmarks.decision_load import options, run
from benchmarks.loadgen import closed_loop

TARGET_RPS = 2000


def main() -> None:
    ap = options(__doc__, duration=20.0)
    ap.add_argument("--connections", type=int, default=32, help="concurrent clients")
    args = ap.parse_args()
    fields, _ = run(
        args,
        lambda host, port, requests: closed_loop(
            host,
            port,
            requests,
            connections=args.connections,
            duration_s=args.duration,
            warmup_s=args.warmup,
        ),
    )
    rps = fields["achieved_rps"]
    assert isinstance(rps, float)
    print(
        json.dumps(
            {
                "name": "decision_throughput",
                "value": rps,
                "unit": "decisions/s",
                "mode": "closed loop",
                "clients": args.connections,
                **fields,
                "target_rps": TARGET_RPS,
                "goal_met": rps > TARGET_RPS and fields["errors"] == 0,
            }
        )
    )


if __name__ == "__main__":
    main()
