"""``python -m voice_guide`` runs the command line."""

import sys

from voice_guide.cli import main

sys.exit(main())
