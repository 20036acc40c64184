"""
### ingest_staff_survey: NHS Staff Survey organisation results (annual)

The NHS Staff Survey runs each autumn; NHS England publishes the organisation results around
March of the next year. The warehouse reads the results merged across years
(`data_trusts_well-being_organisational_results_<first>-<last>.csv`, rates 0-100, one row per
organisation and survey year). Drop files into `$LANDING_DIR/staff_survey/`; each new file is loaded
once (by sha256) into `raw.staff_survey_organisation_results`; staging fixes the swapped
`Region` / `ICS/STP` columns of the 2021 rows. This Airflow DAG runs at 09:00 every Thursday in
March (a late publication is picked up the next week; re-runs are no-ops) and emits Asset
`warehouse://raw/staff_survey_organisation_results`.
"""

from oversight.ingestion_dag import ingestion_dag  # builds an Airflow DAG (airflow.sdk TaskFlow)

dag = ingestion_dag("staff_survey", schedule="0 9 * 3 4", doc_md=__doc__)
