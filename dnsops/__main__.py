"""C{python -m dnsops} runs the command line, the same as the C{dnsops} script."""

from dnsops.cli import main

raise SystemExit(main())
