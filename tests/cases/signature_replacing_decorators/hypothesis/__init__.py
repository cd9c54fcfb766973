"""Stand-in for hypothesis.given: only the signature rewrite of hypothesis 6.170's `given`."""

import functools
import inspect

from hypothesis import strategies  # noqa: F401


def given(*given_arguments, **given_kwargs):
    def accept(test):
        sig = inspect.signature(test)
        kwargs = dict(given_kwargs)
        fillable = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        if given_arguments == (Ellipsis,) and not kwargs:
            kwargs = {p.name: ... for p in sig.parameters.values() if p.kind in fillable}
        elif given_arguments:
            posargs = [
                p.name
                for p in sig.parameters.values()
                if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
            ]
            kwargs = dict(list(zip(posargs[::-1], given_arguments[::-1]))[::-1])

        @functools.wraps(test)
        def wrapped_test(*args, **kw):
            return None

        wrapped_test.__signature__ = sig.replace(
            parameters=[
                p
                for p in sig.parameters.values()
                if not (p.name in kwargs and p.kind in fillable)
            ]
        )
        return wrapped_test

    return accept
