"""What vcdoctor knows about Helm release records."""
