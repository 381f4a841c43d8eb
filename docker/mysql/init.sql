-- Runs once, when the mysql volume is empty (docker-entrypoint-initdb.d).
-- The `debezium` user itself is created by 02-debezium-user.sh, because its password comes
-- from the environment (MYSQL_DEBEZIUM_PASSWORD) and plain SQL cannot read it.

CREATE DATABASE IF NOT EXISTS mydb;
USE mydb;

-- DATETIME (not TIMESTAMP) on purpose: with the source's `time.precision.mode: connect`
-- Debezium emits DATETIME as the Connect `Timestamp` logical type, which the Elasticsearch
-- sink maps to an ES `date` (so Kibana can use it as the time field). A TIMESTAMP column is
-- always emitted as an ISO-8601 string (io.debezium.time.ZonedTimestamp) and would be
-- indexed as text.
CREATE TABLE IF NOT EXISTS post (
    post_id    INT          NOT NULL AUTO_INCREMENT,
    author_id  INT          NOT NULL,
    content    TEXT         NOT NULL,
    created_at DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    PRIMARY KEY (post_id)
) ENGINE = InnoDB;

INSERT INTO post (author_id, content) VALUES
    (1, 'Hello from MySQL: this row reaches Elasticsearch through Debezium and Kafka.'),
    (2, 'Connectors as code: validate, plan, apply.'),
    (1, 'Updates overwrite the document, deletes remove it.');
