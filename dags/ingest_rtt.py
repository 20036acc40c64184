"""
### ingest_rtt: Referral to Treatment waiting times (monthly)

NHS England publishes the RTT full CSV extract (`<YYYYMMDD>-RTT-<Month>-<Year>-full-extract.csv.zip`,
one CSV of about 180,000 rows x 121 columns in a ZIP) monthly, at 09:30 on the second Thursday,
for the month before last (April data in June). This Airflow DAG runs at noon on the second
Thursday (cron `4#2`) and loads every new file in `$LANDING_DIR/rtt/` once (by sha256) into
`raw.rtt_full_extract`, streaming the CSV out of the ZIP into COPY; a `-revised` / `-v2` file
becomes a new vintage of its month. A backfill run (or param `period`, YYYY-MM) loads that month's
file only. A file that breaks a rule is quarantined whole, naming the line and the rule. Trigger
it by hand for a file that arrives late. Emits `warehouse://raw/rtt_full_extract`.
"""

from oversight.ingestion_dag import ingestion_dag  # builds an Airflow DAG (airflow.sdk TaskFlow)

dag = ingestion_dag("rtt", schedule="0 12 * * 4#2", doc_md=__doc__)
