"""What a command prints: JSON with ``--json``, else lines of text."""

from __future__ import annotations

import json
import sys


def emit(args, data, text_lines) -> None:
    if args.json:
        json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
        sys.stdout.write("\n")
    else:
        for line in text_lines:
            print(line)
