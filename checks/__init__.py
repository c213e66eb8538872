"""Built-in checks, one module per check id; installed as vcdoctor.checks."""
