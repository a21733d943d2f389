-- Import jobs that tell the truth (issue #10): a job has one owner at a time — the server or
-- CLI process running it (`host:pid:nonce`) — which renews its lease while the job is queued or
-- running. A starting server marks failed only the open jobs whose lease has expired (their
-- owner died); a job whose owner is alive, a CLI import for instance, is left to finish.
ALTER TABLE import_jobs
  ADD COLUMN owner text,
  ADD COLUMN lease_expires_at timestamptz;
CREATE INDEX import_jobs_open_idx ON import_jobs (lease_expires_at) WHERE status IN ('queued', 'running');
