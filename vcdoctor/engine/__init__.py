"""The run engine: facts with declared reads, the plan derived from them, and the one executor."""
