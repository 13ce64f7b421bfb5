"""`python -m helpers` is the same as the `desk` command."""

from helpers.publish.cli import main

raise SystemExit(main())
