"""`python -m helpers` is the same as the `desk` command."""

from helpers.cli import main

raise SystemExit(main())
