from fixtures_lib import *  # noqa: F401,F403
