"""NHS oversight warehouse: ingestion, gating and publishing code called by the Airflow DAGs.

Nothing in this package touches a database or imports Great Expectations at import time,
so the DAG files that import it stay cheap to parse.
"""
