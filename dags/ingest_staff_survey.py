"""
### ingest_staff_survey and ingest_staff_survey_detailed: NHS Staff Survey organisation results (annual)

The NHS Staff Survey runs each autumn; NHS England publishes the organisation results around
March of the next year. The warehouse reads the results merged across years
(`data_trusts_well-being_organisational_results_<first>-<last>.csv`, rates 0-100, one row per
organisation and survey year). Drop files into `$LANDING_DIR/staff_survey/`; each new file is loaded
once (by sha256) into `raw.staff_survey_organisation_results`; staging fixes the swapped
`Region` / `ICS/STP` columns of the 2021 rows. This Airflow DAG runs at 09:00 every Thursday in
March (a late publication is picked up the next week; re-runs are no-ops) and emits Asset
`warehouse://raw/staff_survey_organisation_results`.

`ingest_staff_survey_detailed` reads the publisher's own organisation workbook from the same folder
(`NSS<yy> detailed spreadsheets organisational results.xlsx`: one sheet per question group, the
People Promise and theme scores 0-10) into `raw.staff_survey_detailed_results`, one row per
organisation, sheet, question and response column, and emits
`warehouse://raw/staff_survey_detailed_results`.
"""

from oversight.ingestion_dag import ingestion_dag  # builds an Airflow DAG (airflow.sdk TaskFlow)

dag = ingestion_dag("staff_survey", schedule="0 9 * 3 4", doc_md=__doc__)

# The publisher's own organisation workbook (NSS<yy> detailed spreadsheets organisational results.xlsx),
# in the same landing folder: source staff_survey_detailed -> raw.staff_survey_detailed_results.
detailed_dag = ingestion_dag("staff_survey_detailed", schedule="0 9 * 3 4", doc_md=__doc__)
