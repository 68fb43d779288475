"""Entry point for ``python -m bot``; see :mod:`bot.cli`."""

import os
import sys

# spaCy imports TensorFlow, which logs start-up noise to stderr; the CLI's stderr is for its own errors.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from bot.cli import main  # noqa: E402 - after the environment is set

sys.exit(main())
