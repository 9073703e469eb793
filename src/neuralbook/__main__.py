"""Allow ``python -m neuralbook``."""

import sys

from neuralbook.cli import main

sys.exit(main())
