"""`python -m device` runs the mirrorball command line."""

from device.cli import main

raise SystemExit(main())
