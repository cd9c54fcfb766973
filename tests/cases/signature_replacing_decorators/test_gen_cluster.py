from distributed.utils_test import gen_cluster


@gen_cluster(client=True)
async def test_client(c, s, a, b):
    pass


@gen_cluster()
async def test_default_workers(s, a, b, tmp_path):
    pass


@gen_cluster(nthreads=[("127.0.0.1", 1)])
async def test_one_worker(s, a, missing_fixture):
    pass
