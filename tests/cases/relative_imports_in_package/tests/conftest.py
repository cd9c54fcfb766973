from .shared import more as _more  # noqa: F401
from .shared.fixtures import *  # noqa: F401,F403
