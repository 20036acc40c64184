"""
### ingest_finance: provider financial positions (user-maintained CSV, quarterly source)

The source, NHS England's quarterly "Financial performance report", is a PDF, so an analyst
transcribes the providers' positions into `$LANDING_DIR/finance/finance-positions-<YYYY>-<YY>-Q<n>.csv`
(or `finance-positions-<YYYY>-<MM>.csv`), layout in `sample_data/finance/README.md`. Each new file
is loaded once (by sha256) into `raw.finance_positions`; `-v2` corrects a period. This Airflow DAG
looks for new files at 07:00 on the 1st of every month (trigger it by hand after adding a file);
emits Asset `warehouse://raw/finance_positions`.
"""

from oversight.ingestion_dag import ingestion_dag  # builds an Airflow DAG (airflow.sdk TaskFlow)

dag = ingestion_dag("finance", schedule="0 7 1 * *", doc_md=__doc__)
