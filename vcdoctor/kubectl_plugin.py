"""`kubectl_complete-vcdoctor`: completion for `kubectl vcdoctor`, from the CLI's own completion."""

from __future__ import annotations

import sys

from click.shell_completion import ShellComplete

from vcdoctor.cli import main
from vcdoctor.cli_options import signals


def kubectl_complete() -> None:
    """kubectl (1.26+) runs this with the words after `kubectl vcdoctor`, the last one being completed, and reads
    cobra's format: a candidate per line, then `:4` (no file completion)."""
    signals()  # `kubectl_complete-vcdoctor run | head` ends quietly, as vcdoctor itself does
    words = sys.argv[1:]
    incomplete = words.pop() if words else ""
    for item in ShellComplete(main, {}, "kubectl vcdoctor", "_VCDOCTOR_COMPLETE").get_completions(words, incomplete):
        print(item.value)
    print(":4")
