"""Decision latency at a fixed offered rate (open loop, no coordinated omission).

Target (issue 8): at 500 requests/s offered, p99 under 20 ms. Requests for random works of
a seeded 1,000,000-work registry are due every 1/``--rate`` seconds for ``--warmup`` seconds
(not recorded) and then ``--duration`` seconds, whatever the server does; each latency runs
from the request's *scheduled* send time to the end of its answer, so when the server (or the
generator) falls behind, the wait counts. A due request takes an idle keep-alive connection,
or opens a new one (up to ``--max-connections``), or queues (see loadgen.py). Server:
``consentry serve --workers 2`` on loopback. Prints one JSON line:

    {"name": "decision_latency", "value": <p99 ms>, "unit": "ms (p99)", "offered_rps": 500,
     "achieved_rps": .., "p50_ms": .., "p90_ms": .., "p99_ms": .., "p99_9_ms": .., "max_ms": ..,
     "errors": .., "late_sends_over_1ms": .., "duration_s": .., "backend": .., "server_workers": ..,
     "loadgen_cpu_pct_of_one_core": .., "cli_decide_wall_s": .., ...}

    python -m benchmarks.decision_latency                        # SQLite
    python -m benchmarks.decision_latency --backend postgresql   # database consentry_bench
"""

from __future__ import annotations

import json

from benchmarks.decision_load import options, run
from benchmarks.loadgen import open_loop

TARGET_P99_MS = 20.0


def main() -> None:
    ap = options(__doc__, duration=30.0)
    ap.add_argument("--rate", type=float, default=500.0, help="offered requests per second")
    ap.add_argument(
        "--connections", type=int, default=32, help="keep-alive connections opened first"
    )
    ap.add_argument("--max-connections", type=int, default=512)
    args = ap.parse_args()
    fields, result = run(
        args,
        lambda host, port, requests: open_loop(
            host,
            port,
            requests,
            rate=args.rate,
            duration_s=args.duration,
            warmup_s=args.warmup,
            initial_connections=args.connections,
            max_connections=args.max_connections,
        ),
    )
    p99 = fields["p99_ms"]
    assert isinstance(p99, float)
    print(
        json.dumps(
            {
                "name": "decision_latency",
                "value": p99,
                "unit": "ms (p99)",
                "mode": "open loop, latency from the scheduled send time",
                "offered_rps": args.rate,
                **fields,
                "late_sends_over_1ms": result.late_sends,
                "target_p99_ms": TARGET_P99_MS,
                "goal_met": p99 < TARGET_P99_MS and fields["errors"] == 0,
            }
        )
    )


if __name__ == "__main__":
    main()
