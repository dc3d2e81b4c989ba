"""The pipeline: stages, the runner, speaker roles, conversation metrics, prompts, redaction."""
