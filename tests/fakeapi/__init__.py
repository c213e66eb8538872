"""A fake Kubernetes API server and object builders for the test suite."""
