"""The ``runtime`` command: ``runtime memory`` prints what a running runtime's store holds."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="runtime", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    memory = sub.add_parser("memory", help="every live object: size, where it is, references")
    memory.add_argument("--address", default="auto",
                        help="ipc:// address of the runtime (default: the newest on this machine)")
    sub.add_parser("demo", help="a short tour of the embedded runtime")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from . import demo

        demo.main()
        return 0
    import runtime

    try:
        runtime.init(address=args.address)
    except ConnectionError as exc:
        print(f"runtime memory: {exc}", file=sys.stderr)
        return 1
    try:
        print(runtime.memory_summary())
    finally:
        runtime.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
