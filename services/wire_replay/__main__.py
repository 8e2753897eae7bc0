"""`python -m services.wire_replay`: serve the recorded wire coverage until SIGINT/SIGTERM
(used by `make demo`; tests start `WireReplay` in-process instead)."""

from __future__ import annotations

import argparse
import ipaddress
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from services.wire_replay.records import DEFAULT_SNAPSHOT, SnapshotError
from services.wire_replay.server import NYT_REPLAY_KEY, WireReplay


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m services.wire_replay",
        description="Serve recorded wire coverage (GDELT artlist, NYT Article Search, page"
        " mirror) on loopback in place of the live services.",
    )
    parser.add_argument(
        "--data-dir", type=Path, help="the data folder (default: CREDENCE_DATA_DIR's setting)"
    )
    parser.add_argument(
        "--snapshot",
        type=Path,
        default=DEFAULT_SNAPSHOT,
        help=f"snapshot folder inside the data folder (default: {DEFAULT_SNAPSHOT})",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument("--ready-file", type=Path, help="write the base URL here once serving")
    parser.add_argument(
        "--nyt-api-key", default=NYT_REPLAY_KEY, help="the api-key the NYT endpoint accepts"
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow binding a non-loopback address (the replay has no access control)",
    )
    return parser.parse_args(argv)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if not _is_loopback(args.host) and not args.allow_remote:
        print(
            f"refusing to bind {args.host}: the replay has no access control;"
            " use a loopback address or pass --allow-remote",
            file=sys.stderr,
        )
        return 2
    if args.data_dir is None:
        from services.common.config import Settings

        args.data_dir = Settings().data_dir
    folder = args.data_dir / args.snapshot
    try:
        replay = WireReplay(folder, host=args.host, port=args.port, nyt_api_key=args.nyt_api_key)
    except SnapshotError as error:
        print(f"wire replay: {error}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    with replay:
        print(
            f"wire replay serving recorded coverage at {replay.base_url}"
            f" (snapshot of {folder.name}, not live)",
            flush=True,
        )
        if args.ready_file:
            args.ready_file.write_text(replay.base_url + "\n", encoding="utf-8")
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
