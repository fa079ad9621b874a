"""The viewer's route tables, importable as `routes` with reference/ on sys.path."""
