"""accords pipelines: reading, processing and storing documents; Prefect flows in flow.py."""
