import sys

from gotham_inbox.cli import main

sys.exit(main())
