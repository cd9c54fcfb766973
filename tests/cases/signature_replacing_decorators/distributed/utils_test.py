"""Stand-in for distributed.utils_test.gen_cluster: only its signature rewrite (2026.8)."""

import functools
import inspect


def gen_cluster(nthreads=None, scheduler="127.0.0.1", timeout=30, security=None, Worker=None, client=False, **kwargs):
    if nthreads is None:
        nthreads = [("127.0.0.1", 1), ("127.0.0.1", 2)]

    def _(func):
        @functools.wraps(func)
        def test_func(*outer_args, **kwargs):
            return None

        orig_sig = inspect.signature(func)
        args = [None] * (1 + len(nthreads))  # scheduler, *workers
        if client:
            args.insert(0, None)
        bound = orig_sig.bind_partial(*args)
        test_func.__signature__ = orig_sig.replace(
            parameters=[
                p for name, p in orig_sig.parameters.items() if name not in bound.arguments
            ]
        )
        return test_func

    return _
