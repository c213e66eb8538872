"""Other tools' archives (vcluster debug collect, troubleshoot support bundles) replayed through the gateway."""
