"""Allow ``python -m vcdoctor``."""

from vcdoctor.cli import console

console()
