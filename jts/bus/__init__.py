"""Message bus backends: in-process (default) and Redis Streams."""
