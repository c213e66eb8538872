"""Allow ``python -m vcdoctor``."""

from vcdoctor.cli import main

main()
