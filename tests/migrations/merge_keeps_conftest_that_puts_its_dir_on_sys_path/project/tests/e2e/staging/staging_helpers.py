def suffix():
    return "/staging"
