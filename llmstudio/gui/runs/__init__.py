"""Model runs: the run dialog, the jobs that run it and their panel, the runs list, model
settings and replication."""
