import sys

from brian_dendrites.cli import main

sys.exit(main())
