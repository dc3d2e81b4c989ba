"""A call as people work with it: intake checks, the call service, edits, exports, views."""
