"""
### ingest_cqc: CQC Latest ratings (on arrival)

CQC republishes its "Latest ratings" workbook (.ods, sheets Locations and Providers) roughly
monthly and ratings change whenever a report is published, so this DAG looks for new files in
`$LANDING_DIR/cqc/` every day. Loads into `raw.cqc_ratings`; emits `warehouse://raw/cqc_ratings`,
which re-triggers the segment marts at once.
"""

from oversight.ingestion_dag import ingestion_dag  # builds an Airflow DAG (airflow.sdk TaskFlow)

dag = ingestion_dag("cqc", schedule="0 7 * * *", doc_md=__doc__)
