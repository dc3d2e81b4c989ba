"""Receiving a recording: the streaming multipart reader and the upload use case's HTTP side."""
