def make_client(name):
    return {"client": name}
