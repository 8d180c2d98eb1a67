"""The complaint backend, one package per feature (models, service, views; flows where a
feature's steps span others); `main` assembles the routers and the process's lifespan."""
