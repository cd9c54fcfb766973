from helpers.auth import *  # noqa: F403
from helpers.more import plain  # noqa: F401
