"""Everything that talks to the Kafka Connect REST API: the client (`client`), how failures
are classified for retries (`retry`), reading the worker's answers (`answers`) and TLS (`tls`).
Nothing else in kconnect sends HTTP."""
