def should_never_run(missing):
    pass
