"""The ``dpviz`` command line."""
import sys


def main(argv=None) -> int:
    print("dpviz", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
