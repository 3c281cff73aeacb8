"""python -m benchmarks.aws_cost: the AWS cost estimate (`make aws-cost`)."""

import sys

from benchmarks.aws_cost.report import main

sys.exit(main())
