"""Scale-out: the pipeline's stages as Celery tasks on Redis, run by ``callsight worker``."""
